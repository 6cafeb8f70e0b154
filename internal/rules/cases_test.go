package rules_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/internal/pages"
	"github.com/ecpay-go/einvoice/internal/rules"
	"github.com/ecpay-go/einvoice/internal/violation"
)

// The rule tables: one file per page with rules, testdata/rules/<Operation>.json
// at the module's root, holding a request that keeps every rule of the page
// and, for each rule, a request that breaks it and one that just keeps it.
const (
	pagesDir = "../../openapi"
	casesDir = "../../testdata/rules"
	// shownDir is casesDir as the failures name it, from the module's root.
	shownDir = "testdata/rules"
)

// caseFile is testdata/rules/<Operation>.json.
type caseFile struct {
	// Note says where the base request comes from.
	Note string `json:"note,omitempty"`
	// Base is a request Data that keeps every rule of the page and
	// satisfies its schema; each case is a JSON merge patch (RFC 7386) on it.
	Base json.RawMessage `json:"base"`
	// Cases are the page's rules' cases, one per rule.
	Cases []ruleCase `json:"cases"`
}

// ruleCase is the case of one rule, named by both its index and its text, so
// that a reordered or edited overlay makes the case stale instead of
// silently testing another rule.
type ruleCase struct {
	Index int    `json:"index"`
	Rule  string `json:"rule"`
	// Breaks, merged into base, breaks this rule and no other.
	Breaks json.RawMessage `json:"breaks"`
	// Passes, merged into base, comes as close to breaking the rule as the
	// rule allows and keeps every rule.
	Passes json.RawMessage `json:"passes"`
	// SchemaRefuses says the rule can only be broken by a request the page's
	// schema refuses too; otherwise every request of the table satisfies it.
	SchemaRefuses bool `json:"schemaRefuses,omitempty"`
	// Note says why the requests are what they are, where it is not plain.
	Note string `json:"note,omitempty"`
}

// TestRuleCases checks every rule of every page against its table in
// testdata/rules: the base request keeps them all, each case's breaking
// request breaks exactly its rule, its passing request none, every request
// satisfies the page's schema (or the case says it cannot), and no rule of
// any page is without a case.
func TestRuleCases(t *testing.T) {
	all, err := pages.LoadAll(context.Background(), pagesDir)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*pages.Page{}
	for _, p := range all {
		byName[p.Name] = p
	}

	files, err := filepath.Glob(filepath.Join(casesDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	tabled := map[string]bool{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		tabled[name] = true
		t.Run(name, func(t *testing.T) {
			p := byName[name]
			if p == nil {
				t.Fatalf("%s/%s.json: there is no page openapi/%s.yaml: name the file after the page's operation, or delete it with its page", shownDir, name, name)
			}
			checkTable(t, file, p)
		})
	}

	for _, p := range all {
		if n := len(p.Rules.Rules()); n > 0 && !tabled[p.Name] {
			t.Errorf("page %s has %d rules and no table: write %s/%s.json, a base request that keeps them all and, for each rule, a request that breaks it and one that just passes (a page that gains rules brings their cases)",
				p.Name, n, shownDir, p.Name)
		}
	}
}

func checkTable(t *testing.T, path string, p *pages.Page) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	file := shownDir + "/" + filepath.Base(path)
	var tab caseFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tab); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(tab.Base) == 0 {
		t.Fatalf("%s: no base request", file)
	}

	schema := requestSchema(p)
	opts := []openapi3.SchemaValidationOption{openapi3.MultiErrors()}
	if p.Doc.IsOpenAPI31OrLater() {
		opts = append(opts, openapi3.EnableJSONSchema2020())
	}
	set := p.Rules
	rs := set.Rules()

	base := decode(t, file+" base", tab.Base)
	if err := schema.VisitJSON(base, opts...); err != nil {
		t.Errorf("%s: the base request does not satisfy the page's schema: %s", file, schemaBreaks(err))
	}
	if vs := set.Check(base); len(vs) > 0 {
		t.Errorf("%s: the base request breaks %s", file, describe(vs))
	}

	covered := map[int]int{} // rule index → position of its case in the file
	for n, c := range tab.Cases {
		where := fmt.Sprintf("%s case %d (rule %d)", file, n, c.Index)
		if c.Index < 0 || c.Index >= len(rs) || rs[c.Index].Rule != c.Rule {
			t.Errorf("%s is stale: %s; the page's overlay was reordered or the rule edited: rewrite the case for the rule as it is now", where, stale(c, rs))
			continue
		}
		if prev, dup := covered[c.Index]; dup {
			t.Errorf("%s: rule %d already has case %d; keep one case per rule", where, c.Index, prev)
			continue
		}
		covered[c.Index] = n
		t.Run(fmt.Sprintf("rule%02d", c.Index), func(t *testing.T) {
			checkCase(t, where, c, tab.Base, schema, opts, set)
		})
	}
	for i, r := range rs {
		if _, ok := covered[i]; !ok {
			t.Errorf("page %s rule %d (%q, %s) has no case in %s: add one with index %d, the rule's text, a request that breaks it and one that just passes",
				p.Name, i, r.Rule, r.Message, file, i)
		}
	}
}

func checkCase(t *testing.T, where string, c ruleCase, base json.RawMessage, schema *openapi3.Schema, opts []openapi3.SchemaValidationOption, set *rules.Set) {
	if len(c.Breaks) == 0 || len(c.Passes) == 0 {
		t.Fatalf("%s: a case needs both breaks and passes", where)
	}

	breaks := merged(t, where+" breaks", base, c.Breaks)
	switch err := schema.VisitJSON(breaks, opts...); {
	case err != nil && !c.SchemaRefuses:
		t.Errorf("%s: the breaking request does not satisfy the page's schema: %s; make it realistic, or, if the rule can only be broken so, set schemaRefuses", where, schemaBreaks(err))
	case err == nil && c.SchemaRefuses:
		t.Errorf("%s: schemaRefuses is set but the schema accepts the breaking request: drop the flag", where)
	}
	vs := set.Check(breaks)
	if len(vs) != 1 || vs[0].Index != c.Index || vs[0].Err != nil {
		t.Errorf("%s: the breaking request should break rule %d alone; it breaks %s", where, c.Index, describe(vs))
	}

	passes := merged(t, where+" passes", base, c.Passes)
	if err := schema.VisitJSON(passes, opts...); err != nil {
		t.Errorf("%s: the passing request does not satisfy the page's schema: %s", where, schemaBreaks(err))
	}
	if vs := set.Check(passes); len(vs) > 0 {
		t.Errorf("%s: the passing request should keep every rule; it breaks %s", where, describe(vs))
	}
}

// stale says how the case's rule and the page's differ.
func stale(c ruleCase, rs []rules.Rule) string {
	var b strings.Builder
	if c.Index < 0 || c.Index >= len(rs) {
		fmt.Fprintf(&b, "the page has %d rules, none at index %d", len(rs), c.Index)
	} else {
		fmt.Fprintf(&b, "rule %d is now %q, the case was written for %q", c.Index, rs[c.Index].Rule, c.Rule)
	}
	if i := slices.IndexFunc(rs, func(r rules.Rule) bool { return r.Rule == c.Rule }); i >= 0 {
		fmt.Fprintf(&b, " (which is now rule %d)", i)
	}
	return b.String()
}

func decode(t *testing.T, what string, raw json.RawMessage) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		t.Fatalf("%s: not a JSON object: %v", what, err)
	}
	return v
}

// merged returns base with patch applied as a JSON merge patch (RFC 7386).
func merged(t *testing.T, what string, base, patch json.RawMessage) map[string]any {
	t.Helper()
	return mergePatch(decode(t, what, base), decode(t, what, patch)).(map[string]any)
}

// mergePatch applies patch to target as RFC 7386 says: an object's members
// are merged member by member, null removes one, anything else replaces.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

// schemaBreaks lists where a request breaks the schema, without the schema
// and the value kin-openapi appends.
func schemaBreaks(err error) string {
	vs := violation.List(err)
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = v.String()
	}
	return strings.Join(s, "; ")
}

// describe lists violations by index, message and, for one that could not
// be evaluated, why.
func describe(vs []rules.Violation) string {
	if len(vs) == 0 {
		return "no rule"
	}
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprintf("rule %d (%s)", v.Index, v)
	}
	return strings.Join(s, ", ")
}

// TestMergePatch checks the tables' merge patch against RFC 7386's own
// examples (its appendix A).
func TestMergePatch(t *testing.T) {
	for _, tc := range []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	} {
		var target, patch, want any
		for _, v := range []struct {
			s   string
			dst *any
		}{{tc.target, &target}, {tc.patch, &patch}, {tc.want, &want}} {
			if err := json.Unmarshal([]byte(v.s), v.dst); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := json.Marshal(mergePatch(target, patch))
		if wantJSON, _ := json.Marshal(want); !bytes.Equal(got, wantJSON) {
			t.Errorf("merge %s into %s = %s, want %s", tc.patch, tc.target, got, wantJSON)
		}
	}
}
