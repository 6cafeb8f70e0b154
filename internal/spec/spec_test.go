package spec_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/internal/frozen"
	"github.com/ecpay-go/einvoice/internal/pages"
	"github.com/ecpay-go/einvoice/internal/spec"
)

// The tests read frozen copies of the pages and overlays in
// testdata/openapi, never openapi/ itself, so that a legitimate vendor
// update of openapi/ cannot break them; make validate-spec checks openapi/.
const (
	cancel  = "CancelDelayIssue.yaml"
	trigger = "TriggerIssue.yaml"
)

// Edits of CancelDelayIssue.yaml shared by several tests.
const (
	tsrProperty = "        Tsr:\n          type: string\n          maxLength: 30\n"
	rtnMsg      = "        RtnMsg:\n          type: string\n          maxLength: 200\n          description: Response message\n"
	servers     = "servers:\n  - url: https://einvoice-stage.ecpay.com.tw\n  - url: https://einvoice.ecpay.com.tw\n"
	innerTsr    = "    requestBody.Data:\n      type: object\n      properties:\n"
)

func TestLoadChecksTheVendorDocumentAlone(t *testing.T) {
	tests := map[string]struct {
		edit func(t *testing.T, file string)
		want []string // substrings of the error; none: Load succeeds
	}{
		"the frozen page": {edit: func(*testing.T, string) {}},
		"unknown type in an inner schema": {
			edit: func(t *testing.T, f string) {
				frozen.Edit(t, f, tsrProperty, "        Tsr:\n          type: strng\n          maxLength: 30\n")
			},
			want: []string{`schema "requestBody.Data"`, `"strng"`},
		},
		"unknown type in the operation": {
			edit: func(t *testing.T, f string) {
				frozen.Edit(t, f, "                MerchantID:\n                  type: string\n                  maxLength: 10\n                  description: Merchant ID\n                RqHeader:",
					"                MerchantID:\n                  type: strin\n                  maxLength: 10\n                  description: Merchant ID\n                RqHeader:")
			},
			want: []string{"/B2CInvoice/CancelDelayIssue", "POST", `"strin"`},
		},
		"maxLength that is not a number": {
			edit: func(t *testing.T, f string) {
				frozen.Edit(t, f, tsrProperty, "        Tsr:\n          type: string\n          maxLength: thirty\n")
			},
			want: []string{"maxLength"},
		},
		"YAML syntax error": {
			edit: func(t *testing.T, f string) {
				frozen.Write(t, f, "openapi: 3.1.0\ninfo: {title: x, version: 1}\npaths: [\n")
			},
			want: []string{"line 4"},
		},
		"missing file": {
			edit: func(t *testing.T, f string) {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{cancel, "no such file"},
		},
		// Issue 10 item 6, on the vendor document alone: ECPay renames Tsr
		// and keeps it required.
		"required names an undeclared property": {
			edit: func(t *testing.T, f string) {
				frozen.Edit(t, f, innerTsr, "    requestBody.Data:\n      type: object\n      required: [MerchantID, Tsr]\n      properties:\n")
				frozen.Edit(t, f, tsrProperty, "        TsrNo:\n          type: string\n          maxLength: 30\n")
			},
			want: []string{cancel + ": schema requestBody.Data", `required names "Tsr"`, "MerchantID, TsrNo"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(frozen.Pages(t), cancel)
			tc.edit(t, file)
			_, err := spec.Load(context.Background(), file)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("Load accepted a broken page")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestValidateDir(t *testing.T) {
	tests := map[string]struct {
		edit func(t *testing.T, dir string)
		// want has, per problem expected, substrings of its message.
		want [][]string
	}{
		"the frozen pages": {edit: func(*testing.T, string) {}},
		"a vendor document that does not validate is one problem, not checked with its overlays": {
			edit: func(t *testing.T, dir string) {
				frozen.Edit(t, filepath.Join(dir, cancel), tsrProperty, "        Tsr:\n          type: strng\n          maxLength: 30\n")
			},
			want: [][]string{{cancel, `"strng"`}},
		},
		"required names an undeclared property of the vendor document": {
			edit: func(t *testing.T, dir string) {
				f := filepath.Join(dir, trigger)
				frozen.Edit(t, f, innerTsr, "    requestBody.Data:\n      type: object\n      required: [PayTyp]\n      properties:\n")
			},
			want: [][]string{{trigger, "schema requestBody.Data", `required names "PayTyp"`}},
		},
		"the overlay requires a property ECPay renamed": {
			edit: func(t *testing.T, dir string) {
				frozen.Edit(t, filepath.Join(dir, cancel), tsrProperty, "        TsrNo:\n          type: string\n          maxLength: 30\n")
			},
			want: [][]string{{cancel, "schema requestBody.Data", `required names "Tsr"`}},
		},
		"an overlay action that matches nothing": {
			edit: func(t *testing.T, dir string) {
				frozen.Edit(t, filepath.Join(dir, trigger), "/B2CInvoice/TriggerIssue:", "/B2CInvoiceV2/TriggerIssue:")
			},
			want: [][]string{{trigger, "$.paths['/B2CInvoice/TriggerIssue'].post", "make spec-diff"}},
		},
		"a problem on each page is a message each": {
			edit: func(t *testing.T, dir string) {
				frozen.Edit(t, filepath.Join(dir, cancel), tsrProperty, "        TsrNo:\n          type: string\n          maxLength: 30\n")
				frozen.Edit(t, filepath.Join(dir, trigger), rtnMsg, "")
			},
			want: [][]string{{cancel, `"Tsr"`}, {trigger, "RtnMsg"}},
		},
		"pages that disagree": {
			edit: func(t *testing.T, dir string) {
				frozen.Edit(t, filepath.Join(dir, trigger), "                  TransMsg:\n                    type: string\n                    maxLength: 200\n",
					"                  TransMsg:\n                    type: string\n                    maxLength: 100\n")
			},
			want: [][]string{{trigger, "answer envelope differs", "TransMsg/maxLength"}},
		},
		"no page": {
			edit: func(t *testing.T, dir string) {
				for _, f := range []string{cancel, trigger} {
					if err := os.Remove(filepath.Join(dir, f)); err != nil {
						t.Fatal(err)
					}
				}
			},
			want: [][]string{{"holds no page"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := frozen.Pages(t)
			tc.edit(t, dir)
			v := spec.ValidateDir(context.Background(), dir)
			if len(v.Problems) != len(tc.want) {
				t.Fatalf("%d problems, want %d: %v", len(v.Problems), len(tc.want), v.Problems)
			}
			for i, want := range tc.want {
				for _, w := range want {
					if !strings.Contains(v.Problems[i].Error(), w) {
						t.Errorf("problem %d %q does not name %q", i+1, v.Problems[i], w)
					}
				}
			}
			if len(tc.want) == 0 && len(v.Passed) != 5 {
				t.Errorf("passed %q, want each page alone, with its overlays, and their agreement", v.Passed)
			}
		})
	}
}

func TestInnerViewReferencesTheDataSchemas(t *testing.T) {
	doc, err := spec.Load(context.Background(), filepath.Join(frozen.Dir(), cancel))
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.InnerView(doc); err != nil {
		t.Fatal(err)
	}
	op := doc.Paths.Find("/B2CInvoice/CancelDelayIssue").Post
	req := op.RequestBody.Value.Content.Get("application/json").Schema.Value.Properties["Data"]
	if req.Ref != "#/components/schemas/"+pages.RequestDataSchema || req.Value.Properties["Tsr"] == nil {
		t.Errorf("request Data = %q, want a reference to %s", req.Ref, pages.RequestDataSchema)
	}
	resp := op.Responses.Status(200).Value.Content.Get("application/json").Schema.Value.Properties["Data"]
	if resp.Ref != "#/components/schemas/"+pages.ResponseDataSchema || resp.Value.Properties["RtnCode"] == nil {
		t.Errorf("response Data = %q, want a reference to %s", resp.Ref, pages.ResponseDataSchema)
	}
}

func TestInnerViewNeedsTheInnerSchema(t *testing.T) {
	doc, err := spec.Load(context.Background(), filepath.Join(frozen.Dir(), cancel))
	if err != nil {
		t.Fatal(err)
	}
	delete(doc.Components.Schemas, pages.ResponseDataSchema)
	err = spec.InnerView(doc)
	if err == nil || !strings.Contains(err.Error(), pages.ResponseDataSchema) {
		t.Fatalf("InnerView = %v, want an error naming %s", err, pages.ResponseDataSchema)
	}
}

func TestDiffSeesInsideDataAndServers(t *testing.T) {
	const (
		stage      = "https://einvoice-stage.ecpay.com.tw"
		production = "https://einvoice.ecpay.com.tw"
	)
	serverList := func(urls ...string) string {
		s := "servers:\n"
		for _, u := range urls {
			s += "  - url: " + u + "\n"
		}
		return s
	}
	tests := map[string]struct {
		old, new string // an edit of the frozen CancelDelayIssue.yaml; "" for none
		breaking bool
		want     []string // substrings of the report
	}{
		"unchanged": {},
		"inner Tsr maxLength lowered 30 to 20": {
			old: tsrProperty, new: "        Tsr:\n          type: string\n          maxLength: 20\n",
			breaking: true,
			want:     []string{"request-property-max-length-decreased", "Data/Tsr", "20"},
		},
		"inner Tsr removed": {
			old: tsrProperty + "          description: Transaction serial number\n", new: "",
			breaking: true,
			want:     []string{"request-property-removed", "Data/Tsr"},
		},
		"inner RtnMsg removed from the response": {
			old: rtnMsg, new: "",
			breaking: true,
			want:     []string{"response-optional-property-removed", "Data/RtnMsg"},
		},
		"optional inner property added to the response": {
			old: rtnMsg, new: rtnMsg + "        InvoiceNo:\n          type: string\n          maxLength: 10\n",
			breaking: false,
			want:     []string{"response-optional-property-added", "Data/InvoiceNo"},
		},
		"optional inner property added to the request": {
			old: tsrProperty, new: "        InvoiceDate:\n          type: string\n" + tsrProperty,
			breaking: false,
			want:     []string{"new-optional-request-property", "Data/InvoiceDate"},
		},
		"servers swapped": {
			old: servers, new: serverList(production, stage),
			breaking: true,
			want:     []string{"server-moved", production + " moved from position 2 to 1", stage + " moved from position 1 to 2"},
		},
		"production server removed": {
			old: servers, new: serverList(stage),
			breaking: true,
			want:     []string{"server-removed", production},
		},
		"server added": {
			old: servers, new: serverList(stage, production, "https://einvoice-dev.ecpay.com.tw"),
			breaking: true,
			want:     []string{"server-added", "https://einvoice-dev.ecpay.com.tw"},
		},
		"server URL changed": {
			old: servers, new: serverList("https://einvoice-test.ecpay.com.tw", production),
			breaking: true,
			want:     []string{"server-removed", stage, "server-added", "https://einvoice-test.ecpay.com.tw"},
		},
		"server listed twice": {
			old: servers, new: serverList(stage, production, stage),
			breaking: true,
			want:     []string{"server-repeated", stage + " is listed 2 times, was 1"},
		},
	}
	base := filepath.Join(frozen.Dir(), cancel)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			candidate := filepath.Join(frozen.Pages(t), cancel)
			if tc.old != "" {
				frozen.Edit(t, candidate, tc.old, tc.new)
			}
			report, err := spec.Diff(context.Background(), base, candidate)
			if err != nil {
				t.Fatal(err)
			}
			if got := report.Breaking(); got != tc.breaking {
				t.Errorf("Breaking() = %v, want %v; report:\n%s", got, tc.breaking, report)
			}
			for _, w := range tc.want {
				if !strings.Contains(report.String(), w) {
					t.Errorf("report does not mention %q:\n%s", w, report)
				}
			}
			if len(tc.want) == 0 && len(report.Changes) != 0 {
				t.Errorf("want no changes, got:\n%s", report)
			}
		})
	}
}
