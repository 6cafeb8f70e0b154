package ecpaysim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/contract"
	"github.com/ecpay-go/einvoice/internal/protocol"
	"github.com/ecpay-go/einvoice/internal/rules"
)

// serve answers a request to op whose envelope matches the page: the
// generated strict server of every page calls it (operations.gen.go). It
// checks what the spec cannot (merchant, time window, Data), then applies the
// operation's behaviour, or the default answer for an operation without one.
// Every outcome is an HTTP 200 ECPay answer.
func (s *Server) serve(ctx context.Context, op *registry.Operation, env *generated.RequestEnvelope) generated.ResponseEnvelope {
	ex := exchangeFrom(ctx)
	if env == nil {
		return s.bug(ex, errors.New("the strict handler passed no body"))
	}
	ex.setEnvelope(env)
	in, rej := s.checkRequest(op, env)
	ex.rec.Plaintext, ex.rec.Data = in.plaintext, in.data
	if rej != nil {
		return s.rejection(ex, rej.code, rej.msg)
	}
	if in.broken != nil && (ex.rec.Fault == nil || ex.rec.Fault.RtnCode == 0) {
		code, msg := ruleRefusal(in.broken)
		return s.accepted(ex, op, in.codec, outcome{code: code, msg: msg}, true)
	}
	s.issueDue(s.Now())
	out := s.respond(op, request{merchantID: env.MerchantID, baseURL: ex.baseURL, data: in.data, plaintext: in.plaintext}, ex.rec.Fault)
	s.flushIssued()
	return s.accepted(ex, op, in.codec, out, ex.rec.Fault == nil)
}

// checked is what checkRequest found in a request.
type checked struct {
	codec     *ecpaycrypto.Codec // the merchant's; nil if unknown
	plaintext []byte             // the decrypted Data; nil if it did not decrypt
	data      any                // the decoded Data; nil unless it matched the schema
	// broken is the first business rule of the page the Data breaks,
	// having matched the schema; nil when it keeps them all.
	broken *rules.Violation
}

// rejection is a TransCode error the simulator answers with.
type rejection struct {
	code int
	msg  string
}

// checkRequest checks an envelope that matches op's page for what the spec
// cannot say: a merchant of the Server, a Timestamp within the window, a Data
// that decrypts with the merchant's keys and matches the page's request Data
// schema, and the same MerchantID inside and out; and then the page's
// business rules, the first one broken in checked.broken.
func (s *Server) checkRequest(op *registry.Operation, env *generated.RequestEnvelope) (checked, *rejection) {
	var in checked
	codec, ok := s.merchants[env.MerchantID]
	if !ok {
		return in, &rejection{TransCodeUnknownMerchant, transMsgUnknownMerchant}
	}
	in.codec = codec
	if !protocol.InWindow(float64(env.RqHeader.Timestamp), s.Now()) {
		return in, &rejection{TransCodeTimestampOutOfRange, fmt.Sprintf(transMsgTimestamp, int(TimestampWindow.Minutes()))}
	}
	plaintext, err := codec.Decrypt(env.Data)
	if err != nil {
		return in, &rejection{TransCodeUndecryptableData, transMsgUndecryptable + serving.DecryptProblem(err)}
	}
	in.plaintext = plaintext
	if err := s.contract.RequestData(op, plaintext); err != nil {
		var re *contract.RuleError
		if !errors.As(err, &re) {
			return in, &rejection{TransCodeInvalidData, s.detail(transMsgInvalidData, err)}
		}
		in.broken = &re.Broken // answered once the envelope's checks are done
	}
	data := reflect.New(op.RequestType).Interface()
	if err := json.Unmarshal(plaintext, data); err != nil {
		return in, &rejection{TransCodeInvalidData, s.detail(transMsgInvalidData, err)}
	}
	in.data = data
	if id, ok := stringField(data, "MerchantID"); ok && id != env.MerchantID {
		return in, &rejection{TransCodeMerchantMismatch, transMsgMerchantMismatch}
	}
	return in, nil
}

// ruleRefusal returns the RtnCode and RtnMsg answering a request that
// breaks the business rule v: the rule's code, ECPay's where its overlay
// names one, else RtnCodeRuleBroken; and the rule's message with its fields.
func ruleRefusal(v *rules.Violation) (int, string) {
	code := v.Code
	if code == 0 {
		code = RtnCodeRuleBroken
	}
	return code, v.String()
}

// respond returns what to answer a request of op that passed every check:
// the RtnCode, its RtnMsg and the members of the answer's Data the
// operation's behaviour sets beyond them (nil for none; the rest come from
// the default answer). An injected RtnCode fault answers with its own code
// and changes nothing.
func (s *Server) respond(op *registry.Operation, req request, fault *Fault) outcome {
	injected := fault != nil && fault.RtnCode != 0
	behave, modelled := behaviours[op]
	var out outcome
	if modelled {
		req.injected = injected
		out = behave(s, req)
	}
	switch {
	case injected:
		return outcome{code: fault.RtnCode, msg: serving.OrDefault(fault.RtnMsg, msgInjected)}
	case !modelled:
		// The default answer, as Prism mocks from a spec: the first success.
		c := op.Successes()[0]
		return outcome{code: c.Code, msg: serving.OrDefault(c.Message, defaultRtnMsg)}
	}
	if out.msg == "" {
		out.msg = defaultRtnMsg
		if c, ok := op.Code(out.code); ok && c.Message != "" {
			out.msg = c.Message
		}
	}
	return out
}

// stringField reads the string member name of data, a pointer to a
// generated request type; ok is false when it has none.
func stringField(data any, name string) (string, bool) {
	if data == nil {
		return "", false
	}
	sf, ok := registry.FieldByJSONName(reflect.TypeOf(data), name)
	if !ok {
		return "", false
	}
	f := reflect.ValueOf(data).Elem().FieldByIndex(sf.Index)
	if f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return "", false
		}
		f = f.Elem()
	}
	if f.Kind() != reflect.String {
		return "", false
	}
	return f.String(), true
}

// accepted returns a TransCode 1 answer whose Data encrypts the answer to
// op with out (see innerAnswer), or is that answer itself for an operation
// ECPay answers so (PlainAnswerData, see plain.go).
func (s *Server) accepted(ex *exchange, op *registry.Operation, codec *ecpaycrypto.Codec, out outcome, cacheable bool) generated.ResponseEnvelope {
	inner, err := s.innerAnswer(op, out, cacheable)
	if err != nil {
		return s.bug(ex, err)
	}
	if op.PlainAnswerData {
		return s.plainAccepted(ex, inner)
	}
	data, err := codec.Encrypt(inner.plaintext)
	if err != nil {
		return s.bug(ex, fmt.Errorf("encrypting the answer's Data: %w", err))
	}
	return s.envelope(ex, TransCodeOK, transMsgOK, data, inner.plaintext, inner.value)
}

// inner is the plaintext of an answer's Data, checked against the
// operation's response Data schema, and its value.
type inner struct {
	plaintext []byte
	value     map[string]any
}

// innerKey names an answer's Data: it depends on nothing else.
type innerKey struct {
	op   int
	code int
	msg  string
}

// innerAnswer returns the Data of an answer to op: a value of every property
// of its response Data schema (see serving.MockValue), with out's RtnCode,
// RtnMsg and fields over them, after checking that plaintext against the
// schema. The answers that carry no fields of their own (the default
// answers, the refusals) are few (their messages are the registry's) and
// are built and checked once, then shared by every answer and record of
// them; cacheable is false for an injected fault's, whose RtnMsg is
// anyone's.
func (s *Server) innerAnswer(op *registry.Operation, out outcome, cacheable bool) (*inner, error) {
	cacheable = cacheable && out.fields == nil
	key := innerKey{op.Index(), out.code, out.msg}
	if cacheable {
		if a, ok := s.inners.Load(key); ok {
			return a.(*inner), nil
		}
	}
	defaults := s.defaults[op.Index()]
	value := make(map[string]any, len(defaults)+len(out.fields)+2)
	maps.Copy(value, defaults)
	maps.Copy(value, out.fields)
	value["RtnCode"] = out.code
	value["RtnMsg"] = serving.Truncate(out.msg, s.limits.RtnMsg)
	plaintext, err := json.Marshal(value)
	if err != nil {
		return nil, fmt.Errorf("encoding the answer's Data: %w", err)
	}
	if err := s.contract.ResponseData(op, plaintext); err != nil {
		return nil, fmt.Errorf("the answer's Data %s violates %s's %s: %w", plaintext, op.Name, op.ResponseDataSchema, err)
	}
	a := &inner{plaintext, value}
	if cacheable {
		s.inners.Store(key, a)
	}
	return a, nil
}

// bug records a violation and returns the TransCodeInternalError envelope.
func (s *Server) bug(ex *exchange, err error) generated.ResponseEnvelope {
	s.violation(err)
	return s.rejection(ex, TransCodeInternalError, transMsgInternalError)
}
