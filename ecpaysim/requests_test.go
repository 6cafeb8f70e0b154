package ecpaysim

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ecpay-go/einvoice/generated/registry"
)

// keepingRules returns data, a request Data of op built for a test from the
// page's schema (see mockValue), when it keeps the page's business rules
// (registry.Operation.Rules); a mock cannot know them (that SalesAmount is
// the items' sum). Otherwise it returns a request Data known to keep them,
// with data's MerchantID and Tsr: ECPay's SDK example of op
// (testdata/sdk-examples/<Operation>.json at the module root) or the base
// request of the page's rule table (testdata/rules/<Operation>.json, which
// every page with rules has: internal/rules' TestRuleCases sees to it).
func keepingRules(op *registry.Operation, data map[string]any) (map[string]any, error) {
	set, err := op.Rules()
	if err != nil {
		return nil, err
	}
	if len(set.Check(data)) == 0 {
		return data, nil
	}
	var errs []error
	for _, path := range []string{
		filepath.Join("..", "testdata", "sdk-examples", op.Name+".json"),
		filepath.Join("..", "testdata", "rules", op.Name+".json"),
	} {
		raw, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		var example map[string]any
		if err == nil {
			example, err = requestIn(path, raw)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, name := range []string{"MerchantID", "Tsr"} {
			if v, ok := data[name]; ok {
				example[name] = v
			}
		}
		vs := set.Check(example)
		if len(vs) == 0 {
			return example, nil
		}
		errs = append(errs, fmt.Errorf("%s breaks the rule %q: %s", path, vs[0].Rule, vs[0]))
	}
	return nil, fmt.Errorf("a request Data of %s mocked from its schema breaks its page's business rules, and no request Data known to keep them does (%w): give the page a rule table, testdata/rules/%s.json at the module root",
		op.Name, errors.Join(errs...), op.Name)
}

// requestIn decodes a request Data file: an SDK example is the Data itself;
// a rule table holds it as its "base".
func requestIn(path string, raw []byte) (map[string]any, error) {
	if filepath.Base(filepath.Dir(path)) != "rules" {
		var data map[string]any
		err := json.Unmarshal(raw, &data)
		return data, err
	}
	var table struct {
		Base map[string]any `json:"base"`
	}
	if err := json.Unmarshal(raw, &table); err != nil {
		return nil, err
	}
	if table.Base == nil {
		return nil, errors.New("the rule table has no base request")
	}
	return table.Base, nil
}
