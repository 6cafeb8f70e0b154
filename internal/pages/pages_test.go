package pages_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/ecpay-go/einvoice/internal/ecpayop"
	"github.com/ecpay-go/einvoice/internal/frozen"
	"github.com/ecpay-go/einvoice/internal/pages"
)

// The tests read frozen copies of the pages and overlays in
// testdata/openapi, never openapi/ itself, so that a legitimate vendor
// update cannot break them. The generator's failures on broken pages are
// internal/cmd/ecpaygen's tests.

func yamlText(t *testing.T, n *yaml.Node) string {
	t.Helper()
	if n == nil {
		return ""
	}
	out, err := yaml.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func codes(cs []ecpayop.Code) []int {
	var out []int
	for _, c := range cs {
		out = append(out, c.Code)
	}
	return out
}

func TestLoadAllReadsEveryPageWithItsOverlays(t *testing.T) {
	all, err := pages.LoadAll(context.Background(), frozen.Dir())
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		name, pkg, path string
		overlays        int
		required        []string
		successes       []int
	}
	wants := []want{
		{"CancelDelayIssue", "canceldelayissue", "/B2CInvoice/CancelDelayIssue", 2, []string{"MerchantID", "Tsr"}, []int{1}},
		{"TriggerIssue", "triggerissue", "/B2CInvoice/TriggerIssue", 2, []string{"MerchantID", "Tsr", "PayType"}, []int{4000003, 4000004}},
	}
	if len(all) != len(wants) {
		t.Fatalf("%d pages, want %d", len(all), len(wants))
	}
	for i, w := range wants {
		p := all[i]
		t.Run(w.name, func(t *testing.T) {
			if p.Name != w.name || p.Package != w.pkg || p.Path != w.path || p.File != filepath.Join(frozen.Dir(), w.name+".yaml") {
				t.Errorf("page %s (%s) at %s from %s; want %s (%s) at %s", p.Name, p.Package, p.Path, p.File, w.name, w.pkg, w.path)
			}
			if len(p.Overlays) != w.overlays || p.Overlays[0] != filepath.Join(frozen.Dir(), pages.SharedOverlay) {
				t.Errorf("overlays %v, want the shared one first and %d in all", p.Overlays, w.overlays)
			}
			if got := codes(ecpayop.Successes(p.Codes)); !slices.Equal(got, w.successes) {
				t.Errorf("success codes %v, want %v", got, w.successes)
			}
			if got := codes(p.Codes); !slices.Equal(got[:2], []int{9000001, 9999999}) {
				t.Errorf("codes %v, want the shared overlay's first", got)
			}
			if p.Servers[pages.StageServer] != "https://einvoice-stage.ecpay.com.tw" || p.Servers[pages.ProductionServer] != "https://einvoice.ecpay.com.tw" {
				t.Errorf("servers %v", p.Servers)
			}
			if p.WindowSeconds != 600 {
				t.Errorf("window %d s, want 600", p.WindowSeconds)
			}
			op := p.Doc.Paths.Find(w.path).Post
			if op.OperationID != w.name {
				t.Errorf("operationId %q, want %q", op.OperationID, w.name)
			}
			req := p.Doc.Components.Schemas[pages.RequestDataSchema].Value
			if req.Extensions["x-go-name"] != "RequestData" || p.Doc.Components.Schemas[pages.ResponseDataSchema].Value.Extensions["x-go-name"] != "ResponseData" {
				t.Error("the inner Data schemas are not named RequestData and ResponseData")
			}
			if !slices.Equal(req.Required, w.required) {
				t.Errorf("%s required %v, want %v", pages.RequestDataSchema, req.Required, w.required)
			}
			for _, name := range w.required {
				if req.Properties[name].Value.MinLength != 1 {
					t.Errorf("required %s has minLength %d, want 1", name, req.Properties[name].Value.MinLength)
				}
			}
			body := op.RequestBody.Value.Content.Get("application/json").Schema.Value
			if body.Extensions["x-go-type"] != "generated."+pages.RequestEnvelopeType {
				t.Errorf("request envelope x-go-type %v, want the shared type", body.Extensions["x-go-type"])
			}
			if body.Properties["PlatformID"] == nil || body.Properties["RqHeader"].Value.Properties["Revision"] == nil {
				t.Error("the shared overlay's PlatformID and Revision are missing")
			}
			if body.Properties["MerchantID"].Value.MinLength != 1 {
				t.Error("the envelope's required MerchantID has no minLength 1")
			}
			// The envelope kept for the shared types is the one before the mapping.
			if env := p.RequestEnvelope; env == nil || strings.Contains(yamlText(t, env), "x-go-type:") || !strings.Contains(yamlText(t, env), "PlatformID") {
				t.Errorf("RequestEnvelope is not the overlaid, unmapped envelope:\n%s", yamlText(t, env))
			}
		})
	}
}

func TestLoadWithoutAnOverlayOfItsOwn(t *testing.T) {
	dir := frozen.Pages(t)
	if err := os.Remove(filepath.Join(dir, "TriggerIssue.overlay.yaml")); err != nil {
		t.Fatal(err)
	}
	p, err := pages.Load(context.Background(), filepath.Join(dir, "TriggerIssue.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Overlays) != 1 {
		t.Errorf("overlays %v, want the shared one only", p.Overlays)
	}
	if got := codes(ecpayop.Successes(p.Codes)); !slices.Equal(got, []int{1}) {
		t.Errorf("success codes %v, want ECPay's default 1", got)
	}
	if req := p.Doc.Components.Schemas[pages.RequestDataSchema].Value; len(req.Required) != 0 {
		t.Errorf("inner fields required %v without an overlay saying so", req.Required)
	}
}

// LoadWith serves the spec tools on a candidate kept under any name; Load
// insists on <Operation>.yaml, which is how a page's own overlay is found.
func TestLoadWithTakesAFileOfAnyName(t *testing.T) {
	dir := frozen.Pages(t)
	candidate := frozen.Candidate(t, filepath.Join(dir, "TriggerIssue.yaml"))
	shared, own := pages.Overlays(filepath.Join(dir, "TriggerIssue.yaml"))
	p, err := pages.LoadWith(context.Background(), candidate, shared, own)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "TriggerIssue" || len(ecpayop.Successes(p.Codes)) != 2 {
		t.Errorf("page %s with success codes %v, want TriggerIssue with its own overlay's", p.Name, codes(ecpayop.Successes(p.Codes)))
	}
	_, err = pages.Load(context.Background(), candidate)
	if err == nil || !strings.Contains(err.Error(), "save it as TriggerIssue.yaml, not downloaded.yaml") {
		t.Errorf("Load of a misnamed page: %v", err)
	}
}

func TestListRefusesAYmlFile(t *testing.T) {
	dir := frozen.Pages(t)
	if err := os.WriteFile(filepath.Join(dir, "CheckLoveCode.yml"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := pages.List(dir)
	if err == nil || !strings.Contains(err.Error(), "CheckLoveCode.yml: name it CheckLoveCode.yaml") {
		t.Fatalf("List = %v, want an error asking for CheckLoveCode.yaml", err)
	}
}

func TestOverlays(t *testing.T) {
	dir := frozen.Pages(t)
	if err := os.Remove(filepath.Join(dir, "TriggerIssue.overlay.yaml")); err != nil {
		t.Fatal(err)
	}
	for page, want := range map[string]string{
		"CancelDelayIssue.yaml": filepath.Join(dir, "CancelDelayIssue.overlay.yaml"),
		"TriggerIssue.yaml":     "",
	} {
		shared, own := pages.Overlays(filepath.Join(dir, page))
		if shared != filepath.Join(dir, pages.SharedOverlay) || own != want {
			t.Errorf("Overlays(%s) = %q, %q; want %q, %q", page, shared, own, filepath.Join(dir, pages.SharedOverlay), want)
		}
	}
}

func TestUnmatchedErrorNamesThePageAndTheActions(t *testing.T) {
	dir := frozen.Pages(t)
	file := filepath.Join(dir, "TriggerIssue.yaml")
	frozen.Edit(t, file, "/B2CInvoice/TriggerIssue:", "/B2CInvoice/v2/TriggerIssue:")
	_, err := pages.Load(context.Background(), file)
	var unmatched *pages.UnmatchedError
	if !errors.As(err, &unmatched) {
		t.Fatalf("Load = %v, want an *UnmatchedError", err)
	}
	if unmatched.Page != file || len(unmatched.Actions) != 1 || !strings.Contains(unmatched.Actions[0], "TriggerIssue.overlay.yaml action 3") ||
		!strings.HasSuffix(unmatched.Actions[0], ": $.paths['/B2CInvoice/TriggerIssue'].post") {
		t.Errorf("page %s, actions %q", unmatched.Page, unmatched.Actions)
	}
	msg := err.Error()
	if !strings.Contains(msg, "make spec-diff NEW="+file) || strings.Count(msg, "\n") != 2 {
		t.Errorf("message:\n%s", msg)
	}
}

func TestCheckRequiredNamesTheSchemaAndTheName(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`openapi: 3.1.0
info: {title: t, version: 1.0.0}
paths:
  /p:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [Gone]
              properties:
                Here: {type: string}
      responses:
        '200':
          description: ok
components:
  schemas:
    Inner:
      type: object
      required: [A, B]
      properties:
        A: {type: string}
        Nested:
          type: object
          required: [x]
          properties:
            y: {type: string}
    Fine:
      type: object
      required: [A]
      properties:
        A: {type: string}
`))
	if err != nil {
		t.Fatal(err)
	}
	err = pages.CheckRequired(doc)
	if err == nil {
		t.Fatal("CheckRequired accepted required names without properties")
	}
	want := []string{
		`schema Inner: required names "B", which is not one of its properties (A, Nested)`,
		`schema Inner/properties/Nested: required names "x", which is not one of its properties (y)`,
		`schema POST /p request application/json: required names "Gone", which is not one of its properties (Here)`,
	}
	if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, want) {
		t.Errorf("CheckRequired:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

// An operation named like what every page's generated code already declares
// would generate code that does not compile; it is refused up front.
func TestReservedOperationNamesAreRefused(t *testing.T) {
	for _, name := range []string{"Call", "Validate", "Lookup", "Context", "Registry"} {
		t.Run(name, func(t *testing.T) {
			dir := frozen.Pages(t)
			raw, err := os.ReadFile(filepath.Join(dir, "TriggerIssue.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			page := filepath.Join(dir, name+".yaml")
			if err := os.WriteFile(page, []byte(strings.ReplaceAll(string(raw), "/B2CInvoice/TriggerIssue", "/B2CInvoice/"+name)), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err = pages.Load(context.Background(), page)
			if err == nil || !strings.Contains(err.Error(), "operation name "+name+" is taken") {
				t.Errorf("Load of an operation named %s: %v", name, err)
			}
		})
	}
}

// ruleAction is an overlay action putting rule, as x-ecpay-validations, on
// the schema at target.
func ruleAction(target, rule string) string {
	return "  - target: " + target + "\n    description: a business rule\n    update:\n      x-ecpay-validations:\n" +
		"        - rule: \"" + rule + "\"\n          message: the message\n          fields: [Tsr]\n"
}

func TestLoadCompilesTheRules(t *testing.T) {
	const request = "$.components.schemas['requestBody.Data']"
	tests := map[string]struct {
		action string
		want   []string // substrings of the error; none when Load succeeds
	}{
		"a rule": {action: ruleAction(request, "self.Tsr != ''")},
		"a rule that does not compile": {
			action: ruleAction(request, "self.Tsr != '' &&"),
			want:   []string{"TriggerIssue.yaml: x-ecpay-validations[0] \"self.Tsr != '' &&\"", "Syntax error"},
		},
		"a rule reading a member the page lacks": {
			action: ruleAction(request, "self.TSR != ''"),
			want:   []string{"TriggerIssue.yaml: x-ecpay-validations[0]", "TSR is not a member of the request (MerchantID, PayType, Tsr)"},
		},
		"a rule with a refusal code of the page": {action: ruleAction(request, "self.Tsr != ''") + "          code: 4000001\n"},
		"a rule with a code the page does not list": {
			action: ruleAction(request, "self.Tsr != ''") + "          code: 5000022\n",
			want:   []string{"TriggerIssue.yaml: x-ecpay-validations[0]", "code 5000022 is not a refusal the page's x-ecpay-rtn-codes lists (", "4000001"},
		},
		"a rule with a success code": {
			action: ruleAction(request, "self.Tsr != ''") + "          code: 4000004\n",
			want:   []string{"code 4000004 is not a refusal"},
		},
		"rules on the answer": {
			action: ruleAction("$.components.schemas['responses.Data']", "true"),
			want:   []string{"TriggerIssue.yaml: schema responses.Data has x-ecpay-validations, which only requestBody.Data can carry"},
		},
		"rules on a member": {
			action: ruleAction(request+".properties.Tsr", "true"),
			want:   []string{"schema requestBody.Data/properties/Tsr has x-ecpay-validations"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := frozen.Pages(t)
			frozen.Append(t, filepath.Join(dir, "TriggerIssue.overlay.yaml"), tc.action)
			p, err := pages.Load(context.Background(), filepath.Join(dir, "TriggerIssue.yaml"))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if rs := p.Rules.Rules(); len(rs) != 1 || rs[0].Rule != "self.Tsr != ''" {
					t.Errorf("Rules = %+v, want the overlay's rule", rs)
				}
				return
			}
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

// Every member of the answer's Data, nested objects and array items
// included, decodes into the lenient Go type of its schema type, with no
// overlay saying so; a member whose overlay names its own Go type keeps it,
// and the schemas themselves stay as the page says.
func TestLoadMapsEveryAnswerMemberToALenientType(t *testing.T) {
	dir := frozen.Pages(t)
	frozen.Append(t, filepath.Join(dir, "TriggerIssue.overlay.yaml"), `  - target: $.components.schemas['responses.Data'].properties
    description: answer members of every shape
    update:
      InvoiceNo: {type: string}
      TotalCount: {type: integer}
      SalesAmount: {type: number}
      Remark: {type: [string, "null"]}
      Printed: {type: boolean}
      Raw: {type: string, x-go-type: json.RawMessage}
      Carrier:
        type: object
        properties:
          Num: {type: string}
      Items:
        type: array
        items:
          type: object
          properties:
            ItemSeq: {type: integer}
            ItemAmount: {type: number}
      Codes:
        type: array
        items: {type: string}
`)
	p, err := pages.Load(context.Background(), filepath.Join(dir, "TriggerIssue.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const (
		lenientString = "lenient.String"
		lenientInt    = "lenient.Int"
		lenientNumber = "lenient.Number"
	)
	data := p.Doc.Components.Schemas[pages.ResponseDataSchema].Value
	tests := map[string]struct {
		schema   *openapi3.Schema
		want     string // the x-go-type; "" for none
		wantType string // the schema's type, unchanged
	}{
		"RtnCode, which no overlay maps": {schema: data.Properties["RtnCode"].Value, want: lenientInt, wantType: openapi3.TypeInteger},
		"RtnMsg":                         {schema: data.Properties["RtnMsg"].Value, want: lenientString, wantType: openapi3.TypeString},
		"a string":                       {schema: data.Properties["InvoiceNo"].Value, want: lenientString, wantType: openapi3.TypeString},
		"an integer":                     {schema: data.Properties["TotalCount"].Value, want: lenientInt, wantType: openapi3.TypeInteger},
		"a number":                       {schema: data.Properties["SalesAmount"].Value, want: lenientNumber, wantType: openapi3.TypeNumber},
		"a string or null":               {schema: data.Properties["Remark"].Value, want: lenientString, wantType: openapi3.TypeString},
		"a boolean, which has none":      {schema: data.Properties["Printed"].Value, wantType: openapi3.TypeBoolean},
		"a member with its own Go type":  {schema: data.Properties["Raw"].Value, want: "json.RawMessage", wantType: openapi3.TypeString},
		"an object, itself":              {schema: data.Properties["Carrier"].Value, wantType: openapi3.TypeObject},
		"a nested object's member":       {schema: data.Properties["Carrier"].Value.Properties["Num"].Value, want: lenientString, wantType: openapi3.TypeString},
		"an array, itself":               {schema: data.Properties["Items"].Value, wantType: openapi3.TypeArray},
		"an array item's integer":        {schema: data.Properties["Items"].Value.Items.Value.Properties["ItemSeq"].Value, want: lenientInt, wantType: openapi3.TypeInteger},
		"an array item's number":         {schema: data.Properties["Items"].Value.Items.Value.Properties["ItemAmount"].Value, want: lenientNumber, wantType: openapi3.TypeNumber},
		"an array's string items":        {schema: data.Properties["Codes"].Value.Items.Value, want: lenientString, wantType: openapi3.TypeString},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got, _ := tc.schema.Extensions["x-go-type"].(string); got != tc.want {
				t.Errorf("x-go-type %q, want %q", got, tc.want)
			}
			if imp, _ := tc.schema.Extensions["x-go-type-import"].(map[string]any); strings.HasPrefix(tc.want, "lenient.") && (imp == nil || imp["path"] != pages.LenientImport) {
				t.Errorf("x-go-type-import %v, want the path %s", tc.schema.Extensions["x-go-type-import"], pages.LenientImport)
			}
			if !tc.schema.Type.Includes(tc.wantType) {
				t.Errorf("type %v, want %s as the page says", tc.schema.Type, tc.wantType)
			}
		})
	}
	// The request's Data decodes as strictly as ever: the lenience is the
	// answer's.
	for name, prop := range p.Doc.Components.Schemas[pages.RequestDataSchema].Value.Properties {
		if goType := prop.Value.Extensions["x-go-type"]; goType != nil {
			t.Errorf("request member %s has x-go-type %v", name, goType)
		}
	}
}
