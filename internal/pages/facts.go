package pages

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/speakeasy-api/openapi/overlay"
	"gopkg.in/yaml.v3"

	"github.com/ecpay-go/einvoice/internal/ecpayop"
	"github.com/ecpay-go/einvoice/internal/rules"
)

// Extensions the overlays use for facts the vendor YAML lacks.
const (
	extRtnCodes      = "x-ecpay-rtn-codes"
	extWindowSeconds = "x-ecpay-window-seconds"
)

// operation returns the page's POST operation node.
func (p *Page) operation(root *yaml.Node) *yaml.Node {
	return walk(docNode(root), "paths", p.Path, "post")
}

// envelopes returns the request and response envelope schema nodes.
func (p *Page) envelopes(root *yaml.Node) (req, resp *yaml.Node) {
	op := p.operation(root)
	return walk(op, "requestBody", "content", "application/json", "schema"),
		walk(op, "responses", "200", "content", "application/json", "schema")
}

// readFacts reads from the overlaid page what the generator needs besides
// the document: summary, servers, RtnCodes, the Timestamp window.
func (p *Page) readFacts(root *yaml.Node) error {
	op := p.operation(root)
	if v := mapValue(op, "summary"); v != nil {
		p.Summary = v.Value
	}
	if v := mapValue(op, "description"); v != nil {
		p.Description = v.Value
	}
	if err := p.readServers(root); err != nil {
		return err
	}
	if err := p.readCodes(op); err != nil {
		return err
	}
	req, resp := p.envelopes(root)
	if req == nil || resp == nil {
		return errors.New("the operation lacks the application/json request body or HTTP 200 answer of ECPay's envelope")
	}
	if err := p.readAnswerData(op, resp); err != nil {
		return err
	}
	ts := walk(req, "properties", "RqHeader", "properties", "Timestamp")
	w := mapValue(ts, extWindowSeconds)
	if w == nil {
		return fmt.Errorf("RqHeader.Timestamp has no %s (the shared overlay sets it)", extWindowSeconds)
	}
	n, err := strconv.Atoi(w.Value)
	if err != nil || n <= 0 {
		return fmt.Errorf("RqHeader.Timestamp: %s must be a positive number of seconds", extWindowSeconds)
	}
	p.WindowSeconds = n
	schemas := walk(docNode(root), "components", "schemas")
	for _, name := range []string{RequestDataSchema, ResponseDataSchema} {
		if s := mapValue(schemas, name); s == nil || mapValue(s, "properties") == nil {
			return fmt.Errorf("components.schemas[%q], the plaintext inside Data, is missing or has no properties", name)
		}
	}
	props := walk(schemas, ResponseDataSchema, "properties")
	for name, typ := range map[string]string{"RtnCode": "integer", "RtnMsg": "string"} {
		if t := walk(props, name, "type"); t == nil || t.Value != typ {
			return fmt.Errorf("%s has no %s property %s, which every ECPay answer carries; ECPay has probably changed the page: run `make spec-diff NEW=%s` to see what changed", ResponseDataSchema, typ, name, p.File)
		}
	}
	return nil
}

func (p *Page) readServers(root *yaml.Node) error {
	servers := mapValue(docNode(root), "servers")
	p.Servers, p.ServerDescriptions = map[string]string{}, map[string]string{}
	if servers != nil {
		for _, s := range servers.Content {
			url, name := mapValue(s, "url"), mapValue(s, "x-go-name")
			switch {
			case url == nil:
				return errors.New("a server has no url")
			case name == nil || (name.Value != StageServer && name.Value != ProductionServer):
				return fmt.Errorf("server %s is neither ECPay's stage nor its production host as the shared overlay names them; a page must list exactly those two", url.Value)
			case p.Servers[name.Value] != "":
				return fmt.Errorf("server %s is listed twice", url.Value)
			}
			p.Servers[name.Value] = url.Value
			if d := mapValue(s, "description"); d != nil {
				p.ServerDescriptions[name.Value] = d.Value
			}
		}
	}
	for _, want := range []string{StageServer, ProductionServer} {
		if p.Servers[want] == "" {
			return fmt.Errorf("the page does not list ECPay's %s host among its servers", strings.TrimPrefix(want, "ServerURL"))
		}
	}
	return nil
}

// joinClasses lists classes, comma-separated, for messages.
func joinClasses(classes []ecpayop.Class) string {
	names := make([]string, len(classes))
	for i, c := range classes {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

func (p *Page) readCodes(op *yaml.Node) error {
	p.Codes = nil
	if n := mapValue(op, extRtnCodes); n != nil {
		if err := n.Decode(&p.Codes); err != nil {
			return fmt.Errorf("%s: %w", extRtnCodes, err)
		}
	}
	seen := map[int]bool{}
	for _, c := range p.Codes {
		switch {
		case seen[c.Code]:
			return fmt.Errorf("%s lists RtnCode %d twice", extRtnCodes, c.Code)
		case !goIdentifier.MatchString(c.Name):
			return fmt.Errorf("%s: RtnCode %d: name %q must be a Go name", extRtnCodes, c.Code, c.Name)
		case c.Success && len(c.Classes) > 0:
			return fmt.Errorf("%s: RtnCode %d is a success and cannot have a refusal class", extRtnCodes, c.Code)
		}
		for _, class := range c.Classes {
			if classes := ecpayop.Classes(); !slices.Contains(classes, class) {
				return fmt.Errorf("%s: RtnCode %d: class %q is not one of %s", extRtnCodes, c.Code, class, joinClasses(classes))
			}
		}
		seen[c.Code] = true
	}
	if len(ecpayop.Successes(p.Codes)) == 0 {
		if seen[1] {
			return fmt.Errorf("%s lists RtnCode 1 as a refusal and no success code", extRtnCodes)
		}
		// "1 代表 API 執行成功,其餘代碼均為失敗。", ECPay's convention on its pages.
		p.Codes = append([]ecpayop.Code{{Code: 1, Name: "OK", Success: true, Description: "success"}}, p.Codes...)
	}
	return nil
}

// derivedActions returns what the project derives from the page itself, in
// two overlays applied in turn: first the corrections (an operationId from
// the path, the Go names of the inner types, minLength 1 on required
// strings, the lenient Go types of the answer's Data members), then, once
// the envelopes have been copied out for the shared types, the mapping of
// both envelopes to those types.
func (p *Page) derivedActions(root *yaml.Node) (corrections, mapping *overlay.Overlay) {
	op := fmt.Sprintf("$.paths[%s].post", quote(p.Path))
	corrections = newOverlay(
		action(op, "the operation is named by the last segment of its path", map[string]any{"operationId": p.Name}),
		action(schemaPath(RequestDataSchema), "the plaintext inside the request's Data", map[string]any{"x-go-name": "RequestData"}),
		action(schemaPath(ResponseDataSchema), "the plaintext inside the answer's Data", map[string]any{"x-go-name": "ResponseData"}),
	)
	req, resp := p.envelopes(root)
	var nonEmpty []overlay.Action
	requiredStrings(req, op+".requestBody.content['application/json'].schema", &nonEmpty)
	requiredStrings(resp, op+".responses['200'].content['application/json'].schema", &nonEmpty)
	schemas := walk(docNode(root), "components", "schemas")
	for i := 0; schemas != nil && i+1 < len(schemas.Content); i += 2 {
		requiredStrings(schemas.Content[i+1], schemaPath(schemas.Content[i].Value), &nonEmpty)
	}
	corrections.Actions = append(corrections.Actions, nonEmpty...)
	lenientMembers(mapValue(schemas, ResponseDataSchema), schemaPath(ResponseDataSchema), &corrections.Actions)
	envelope := func(name string) map[string]any {
		return map[string]any{"x-go-type": "generated." + name, "x-go-type-import": map[string]any{"path": GeneratedImport}}
	}
	mapping = newOverlay(
		action(op+".requestBody.content['application/json'].schema", "the request envelope is the type every page shares", envelope(RequestEnvelopeType)),
		action(op+".responses['200'].content['application/json'].schema", "the answer envelope is the type every page shares", envelope(ResponseEnvelopeType)),
	)
	return corrections, mapping
}

// requiredStrings appends, for every string property of the schema s (at
// JSONPath at) and of its nested object schemas that is required and has no
// minLength, an action setting minLength 1: ECPay's 必填 means non-empty, so
// an empty string is as missing as an absent property.
func requiredStrings(s *yaml.Node, at string, out *[]overlay.Action) {
	props := mapValue(s, "properties")
	if props == nil {
		return
	}
	var required []string
	if r := mapValue(s, "required"); r != nil {
		for _, n := range r.Content {
			required = append(required, n.Value)
		}
	}
	for i := 0; i+1 < len(props.Content); i += 2 {
		name, prop := props.Content[i].Value, props.Content[i+1]
		path := at + ".properties[" + quote(name) + "]"
		if t := mapValue(prop, "type"); t != nil && t.Value == "string" && slices.Contains(required, name) && mapValue(prop, "minLength") == nil {
			*out = append(*out, action(path, fmt.Sprintf("%s is required (必填): an empty string is as missing as an absent one", name), map[string]any{"minLength": 1}))
		}
		requiredStrings(prop, path, out)
	}
}

// lenientTypes are the Go types, in package lenient (LenientImport), that
// the answer's Data members decode into, by schema type: ECPay's answers are
// looser than its pages (numbers where a page says String, quoted numbers, integers and
// amounts as 50.0), and a strict decode would turn an answer ECPay has acted
// on into a failure the caller may retry. The schemas stay as the pages say,
// so contract validation still reports such an answer; only decoding is
// lenient.
var lenientTypes = map[string]string{
	"string":  "lenient.String",
	"integer": "lenient.Int",
	"number":  "lenient.Number",
}

// lenientMembers appends, for every member of the schema s (at JSONPath at),
// of its nested objects and of its arrays' items, whose type has a lenient Go
// type (lenientTypes), an action mapping it to that type; a member that names
// an x-go-type of its own (an overlay's choice) keeps it.
func lenientMembers(s *yaml.Node, at string, out *[]overlay.Action) {
	if props := mapValue(s, "properties"); props != nil {
		for i := 0; i+1 < len(props.Content); i += 2 {
			name, prop := props.Content[i].Value, props.Content[i+1]
			lenientMember(prop, at+".properties["+quote(name)+"]", name, out)
		}
	}
	if items := mapValue(s, "items"); items != nil {
		lenientMember(items, at+".items", "each item", out)
	}
}

func lenientMember(s *yaml.Node, at, name string, out *[]overlay.Action) {
	if mapValue(s, "x-go-type") != nil {
		return // a Go type of its own, whose members generate no types
	}
	if goType, ok := lenientTypes[schemaType(s)]; ok {
		*out = append(*out, action(at, fmt.Sprintf("%s decodes leniently (%s): ECPay's answers are looser than its pages", name, goType),
			map[string]any{"x-go-type": goType, "x-go-type-import": map[string]any{"path": LenientImport}}))
	}
	lenientMembers(s, at, out)
}

// schemaType returns the type of the schema s: its "type", or the one type
// besides "null" that a list of types (OpenAPI 3.1) names; "" when there is
// none or more than one.
func schemaType(s *yaml.Node) string {
	t := mapValue(s, "type")
	switch {
	case t == nil:
		return ""
	case t.Kind == yaml.ScalarNode:
		return t.Value
	case t.Kind != yaml.SequenceNode:
		return ""
	}
	var only string
	for _, n := range t.Content {
		if n.Value == "null" {
			continue
		}
		if only != "" {
			return ""
		}
		only = n.Value
	}
	return only
}

func schemaPath(name string) string { return "$.components.schemas[" + quote(name) + "]" }

// quote writes s as a JSONPath string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func newOverlay(actions ...overlay.Action) *overlay.Overlay {
	return &overlay.Overlay{Version: overlay.Version110, Info: overlay.Info{Title: "derived", Version: "1.0.0"}, Actions: actions}
}

func action(target, description string, update map[string]any) overlay.Action {
	var node yaml.Node
	// Maps of strings, numbers and maps always encode.
	_ = node.Encode(update)
	return overlay.Action{Target: target, Description: description, Update: node}
}

// CheckRequired returns an error for every schema of doc whose "required"
// names a property the schema does not declare, naming the schema and the
// name, e.g. after ECPay renames Tsr and required: [Tsr] stays: the client
// would send a request ECPay must refuse. It returns nil when there is none.
// Load checks the overlaid document; make validate-spec checks the vendor
// document alone with it too.
func CheckRequired(doc *openapi3.T) error {
	var errs []error
	eachSchema(doc, func(where string, v *openapi3.Schema) {
		for _, name := range v.Required {
			if _, ok := v.Properties[name]; !ok {
				declared := slices.Sorted(maps.Keys(v.Properties))
				errs = append(errs, fmt.Errorf("schema %s: required names %q, which is not one of its properties (%s)", where, name, strings.Join(declared, ", ")))
			}
		}
	})
	return errors.Join(errs...)
}

// eachSchema calls visit with every schema of doc, nested ones included,
// and where it is: the component schemas by name, then the operations'
// request and answer schemas.
func eachSchema(doc *openapi3.T, visit func(where string, s *openapi3.Schema)) {
	var walk func(where string, s *openapi3.SchemaRef)
	walk = func(where string, s *openapi3.SchemaRef) {
		if s == nil || s.Value == nil {
			return
		}
		visit(where, s.Value)
		for _, name := range slices.Sorted(maps.Keys(s.Value.Properties)) {
			walk(where+"/properties/"+name, s.Value.Properties[name])
		}
		walk(where+"/items", s.Value.Items)
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
		walk(name, doc.Components.Schemas[name])
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			where := method + " " + path
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for ct, mt := range op.RequestBody.Value.Content {
					walk(where+" request "+ct, mt.Schema)
				}
			}
			if op.Responses != nil {
				for status, r := range op.Responses.Map() {
					if r.Value != nil {
						for ct, mt := range r.Value.Content {
							walk(where+" response "+status+" "+ct, mt.Schema)
						}
					}
				}
			}
		}
	}
}

// compileRules returns the page's business rules, compiled from the
// request Data schema's x-ecpay-validations. The rules are evaluated on
// the request's Data as a whole, so the extension anywhere else (on a
// member, on the answer) is an error rather than a rule never checked.
func compileRules(file string, doc *openapi3.T) (*rules.Set, error) {
	request := doc.Components.Schemas[RequestDataSchema].Value
	var errs []error
	eachSchema(doc, func(where string, s *openapi3.Schema) {
		if _, ok := s.Extensions[rules.Extension]; ok && s != request {
			errs = append(errs, fmt.Errorf("page %s: schema %s has %s, which only %s can carry: rules read the request's Data as a whole (self), so move them there", file, where, rules.Extension, RequestDataSchema))
		}
	})
	set, err := rules.Compile(file, request)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return set, nil
}

// agree checks what every page must share.
func agree(all []*Page) error {
	first, err := EnvelopePage(all)
	if err != nil || len(all) < 2 {
		return err
	}
	names := map[string]ecpayop.Code{}
	var errs []error
	for _, p := range all {
		for _, c := range p.Codes {
			if prev, ok := names[c.Name]; ok && prev.Code != c.Code {
				errs = append(errs, fmt.Errorf("RtnCode name %s means %d on one page and %d on %s: give them different names", c.Name, prev.Code, c.Code, p.File))
			}
			names[c.Name] = c
		}
		if p == first {
			continue
		}
		if !maps.Equal(p.Servers, first.Servers) {
			errs = append(errs, fmt.Errorf("page %s lists servers %v, page %s %v: every page must list the same two", p.File, p.Servers, first.File, first.Servers))
		}
		if p.WindowSeconds != first.WindowSeconds {
			errs = append(errs, fmt.Errorf("page %s allows a Timestamp window of %d s, page %s %d s", p.File, p.WindowSeconds, first.File, first.WindowSeconds))
		}
		this, one := answerEnvelopes(p, first)
		for _, e := range []struct {
			what      string
			this, one *yaml.Node
		}{{"request", p.RequestEnvelope, first.RequestEnvelope}, {"answer", this, one}} {
			if where := differ(e.this, e.one); where != "" {
				errs = append(errs, fmt.Errorf("page %s's %s envelope differs from page %s's at %s: every page shares one envelope type, so the pages must agree (an overlay can align them)", p.File, e.what, first.File, where))
			}
		}
	}
	return errors.Join(errs...)
}

// differ returns the JSON pointer of the first difference between two
// schema nodes, descriptions aside, or "" when they agree.
func differ(a, b *yaml.Node) string {
	var va, vb any
	if a != nil {
		_ = a.Decode(&va)
	}
	if b != nil {
		_ = b.Decode(&vb)
	}
	return firstDifference("", dropDescriptions(va), dropDescriptions(vb))
}

func dropDescriptions(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			if k != "description" {
				out[k] = dropDescriptions(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = dropDescriptions(x)
		}
		return out
	}
	return v
}

func firstDifference(at string, a, b any) string {
	ma, okA := a.(map[string]any)
	mb, okB := b.(map[string]any)
	if okA && okB {
		keys := slices.Sorted(maps.Keys(ma))
		for k := range mb {
			if _, ok := ma[k]; !ok {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			if d := firstDifference(at+"/"+k, ma[k], mb[k]); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a, b) {
		if at == "" {
			return "/"
		}
		return at
	}
	return ""
}
