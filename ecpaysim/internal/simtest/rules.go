package simtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/rules"
)

// moduleRoot is the module's root directory, found from this file's place
// in it, so that the tests of any package read the same fixtures.
func moduleRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("simtest: no caller information to find the module root")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// KeepingRules returns data, a request Data of op built for a test from the
// page's schema (see serving.MockValue), when it keeps the page's business
// rules (registry.Operation.Rules); a mock cannot know them (that
// SalesAmount is the items' sum). Otherwise it returns a request Data known
// to keep them, with data's MerchantID and Tsr: ECPay's SDK example of op
// (testdata/sdk-examples/<Operation>.json at the module root) or the base
// request of the page's rule table (testdata/rules/<Operation>.json, which
// every page with rules has: internal/rules' TestRuleCases sees to it).
func KeepingRules(op *registry.Operation, data map[string]any) (map[string]any, error) {
	set, err := op.Rules()
	if err != nil {
		return nil, err
	}
	if len(set.Check(data)) == 0 {
		return data, nil
	}
	root := moduleRoot()
	var errs []error
	for _, path := range []string{
		filepath.Join(root, "testdata", "sdk-examples", op.Name+".json"),
		filepath.Join(root, "testdata", "rules", op.Name+".json"),
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

// SDKExamples returns ECPay's PHP SDK examples, the inner Data of each,
// by operation: testdata/sdk-examples/<Operation>.json, every file there.
func SDKExamples(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(moduleRoot(), "testdata", "sdk-examples", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no SDK example in testdata/sdk-examples")
	}
	out := map[string][]byte{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = raw
	}
	return out
}

// WithMerchant returns data, a request's Data, with its MerchantID (if it
// has one) set to merchantID, then edits.
func WithMerchant(t testing.TB, data []byte, merchantID string, edits ...func(map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["MerchantID"]; ok {
		m["MerchantID"] = merchantID
	}
	for _, edit := range edits {
		edit(m)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// BrokenRule is the one rule data breaks, failing t unless exactly one is.
func BrokenRule(t testing.TB, set *rules.Set, data []byte) rules.Violation {
	t.Helper()
	got, err := set.CheckJSON(data)
	if err != nil || len(got) != 1 {
		t.Fatalf("the rules: %v, %v; want one broken", got, err)
	}
	return got[0]
}
