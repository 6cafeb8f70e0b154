package pages

import (
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/ecpay-go/einvoice/internal/ecpayop"
)

// The extension saying how ECPay answers an operation's Data, and its one
// value (ecpayop.ExtAnswerData, ecpayop.AnswerDataPlain). A page that says
// plain must also let its answer envelope's Data be either a string or an
// object (oneOf, as openapi/GetIssueList.overlay.yaml does), and a page whose
// envelope lets Data be an object must say plain: Load refuses either half
// alone, so that the contract checks and the registry
// (ecpayop.Operation.PlainAnswerData) cannot disagree.
const (
	ExtAnswerData   = ecpayop.ExtAnswerData
	AnswerDataPlain = ecpayop.AnswerDataPlain
)

// readAnswerData reads ExtAnswerData from the operation node op into
// p.PlainAnswerData and checks that the answer envelope resp lets Data be
// what it says.
func (p *Page) readAnswerData(op, resp *yaml.Node) error {
	p.PlainAnswerData = false
	if v := mapValue(op, ExtAnswerData); v != nil {
		if v.Kind != yaml.ScalarNode || v.Value != AnswerDataPlain {
			return fmt.Errorf("%s must be %q (the answer's Data may be a plain JSON object instead of the encrypted string); leave it out for a page whose answer Data is always encrypted", ExtAnswerData, AnswerDataPlain)
		}
		p.PlainAnswerData = true
	}
	str, obj := dataKinds(walk(resp, "properties", "Data"))
	switch {
	case p.PlainAnswerData && !(str && obj):
		return fmt.Errorf("the operation says %s: %s, but its answer envelope's Data does not accept both a string and a JSON object: give Data oneOf [{type: string}, {type: object}] in the page's overlay, as openapi/GetIssueList.overlay.yaml does", ExtAnswerData, AnswerDataPlain)
	case !p.PlainAnswerData && obj:
		return fmt.Errorf("the answer envelope's Data accepts a JSON object, but the operation does not say %s: %s; say it in the page's overlay when ECPay answers this operation's Data unencrypted, or keep Data a string", ExtAnswerData, AnswerDataPlain)
	}
	return nil
}

// dataKinds reports whether the schema s accepts a string and a JSON
// object: by its own type, if it has one, and by one of the alternatives of
// its oneOf or anyOf, if it has them.
func dataKinds(s *yaml.Node) (str, obj bool) {
	if s == nil {
		return false, false
	}
	own := schemaType(s)
	str, obj = own == "" || own == "string", own == "" || own == "object"
	for _, key := range []string{"oneOf", "anyOf"} {
		alts := mapValue(s, key)
		if alts == nil {
			continue
		}
		var altStr, altObj bool
		for _, alt := range alts.Content {
			s, o := dataKinds(alt)
			altStr, altObj = altStr || s, altObj || o
		}
		str, obj = str && altStr, obj && altObj
	}
	return str, obj
}

// EnvelopePage returns the first of all whose answer Data is the encrypted
// string: the page the shared envelope types are generated from, and the
// one every other page's envelopes must agree with (see LoadAll).
func EnvelopePage(all []*Page) (*Page, error) {
	for _, p := range all {
		if !p.PlainAnswerData {
			return p, nil
		}
	}
	return nil, errors.New("every page says " + ExtAnswerData + ": " + AnswerDataPlain + ": the envelope every page shares needs one page whose answer Data is the encrypted string")
}

// answerEnvelopes returns the answer envelopes of p and of ref, the
// EnvelopePage, as agree compares them: both without their Data member when
// p answers plain Data, whose schema readAnswerData has checked.
func answerEnvelopes(p, ref *Page) (this, one *yaml.Node) {
	if !p.PlainAnswerData {
		return p.ResponseEnvelope, ref.ResponseEnvelope
	}
	return withoutData(p.ResponseEnvelope), withoutData(ref.ResponseEnvelope)
}

// withoutData returns a copy of the envelope schema env without its Data
// member.
func withoutData(env *yaml.Node) *yaml.Node {
	if env == nil {
		return nil
	}
	env = cloneNode(env)
	if props := mapValue(env, "properties"); props != nil {
		for i := 0; i+1 < len(props.Content); i += 2 {
			if props.Content[i].Value == "Data" {
				props.Content = append(props.Content[:i], props.Content[i+2:]...)
				break
			}
		}
	}
	return env
}
