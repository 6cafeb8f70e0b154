package main

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecpay-go/einvoice/internal/pages"
)

// aliasDocs returns the doc comments of the type aliases in the
// wrapper/operations.gen.go generated under root, by name, on one line each.
func aliasDocs(t *testing.T, root string) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, "wrapper", "operations.gen.go"), nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	for _, decl := range f.Decls {
		if gd, ok := decl.(*ast.GenDecl); ok && gd.Tok == token.TYPE && gd.Doc != nil {
			for _, spec := range gd.Specs {
				docs[spec.(*ast.TypeSpec).Name.Name] = strings.Join(strings.Fields(gd.Doc.Text()), " ")
			}
		}
	}
	return docs
}

func TestRequestAliasListsTheFieldsOfThePage(t *testing.T) {
	root := newRoot(t)
	if err := run(context.Background(), root, io.Discard); err != nil {
		t.Fatal(err)
	}
	docs := aliasDocs(t, root)
	for name, want := range map[string][]string{
		"TriggerIssueRequest": {
			"- MerchantID: string, required, 1 to 10 characters. Merchant ID.",
			`- PayType: string, required, exactly 1 character, always "2". Payment type, always 2.`,
			"- Tsr: string, required, 1 to 30 characters. Transaction serial number.",
		},
		"TriggerIssueResult": {
			"- RtnCode: integer, optional. Response code indicating success or failure.",
			"- RtnMsg: string, optional, at most 200 characters. Response message.",
		},
	} {
		for _, item := range want {
			if !strings.Contains(docs[name], item) {
				t.Errorf("the doc comment of %s lacks %q:\n%s", name, item, docs[name])
			}
		}
	}

	// Every member of every frozen page's request Data is listed, in the
	// order of the generated struct.
	all, err := pages.LoadAll(t.Context(), filepath.Join(root, "openapi"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		doc := docs[p.Name+"Request"]
		members := slices.Sorted(maps.Keys(p.Doc.Components.Schemas[pages.RequestDataSchema].Value.Properties))
		last := -1
		for _, m := range members {
			i := strings.Index(doc, "- "+m+": ")
			if i < 0 || i < last {
				t.Errorf("%sRequest's doc comment does not list %s in order:\n%s", p.Name, m, doc)
			}
			last = i
		}
	}
}

func TestDescribeSaysEveryLimit(t *testing.T) {
	tests := map[string]struct {
		schema   string // JSON of one member's schema
		required bool
		want     string
	}{
		"optional, no limits":    {`{"type":"string"}`, false, "string, optional."},
		"range":                  {`{"type":"string","minLength":2,"maxLength":10,"description":"Some text"}`, true, "string, required, 2 to 10 characters. Some text."},
		"at least":               {`{"type":"string","minLength":1}`, true, "string, required, at least 1 character."},
		"one allowed value":      {`{"type":"string","enum":["2"],"default":"2"}`, true, `string, required, always "2".`},
		"values and a default":   {`{"type":"string","enum":["1","2"],"default":"1"}`, false, `string, optional, one of "1", "2", default "1".`},
		"numbers":                {`{"type":"number","minimum":0,"maximum":99.5}`, true, "number, required, at least 0, at most 99.5."},
		"a pattern":              {`{"type":"string","pattern":"^[0-9]+$"}`, true, "string, required, matching ^[0-9]+$."},
		"a description's spaces": {`{"type":"integer","description":"Two\n  lines."}`, false, "integer, optional. Two lines."},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var s openapi3.Schema
			if err := json.Unmarshal([]byte(tt.schema), &s); err != nil {
				t.Fatal(err)
			}
			if got := describe(&s, tt.required); got != tt.want {
				t.Errorf("describe = %q, want %q", got, tt.want)
			}
		})
	}
}
