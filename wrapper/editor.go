package wrapper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// maxRequestBody bounds the request body EncryptRequest reads; ECPay's
// requests, like its answers, are a few hundred bytes.
const maxRequestBody = MaxResponseBytes

// EditorOption configures EncryptRequest.
type EditorOption func(*editorConfig)

type editorConfig struct {
	now func() time.Time
}

// WithEditorClock makes EncryptRequest take RqHeader.Timestamp from now
// instead of time.Now.
func WithEditorClock(now func() time.Time) EditorOption {
	return func(c *editorConfig) {
		if now != nil {
			c.now = now
		}
	}
}

// RequestEditor is the RequestEditorFn of every generated page package
// (canceldelayissue.RequestEditorFn, …): a function of this type passes as
// any of them.
type RequestEditor = func(ctx context.Context, req *http.Request) error

// EncryptRequest returns a request editor for a page's generated client
// that turns a request whose envelope Data holds the plaintext inner JSON
// (for example a marshalled canceldelayissue.RequestData) into ECPay's wire
// form: it sets RqHeader.Timestamp to the current Unix time, replaces Data
// with its encryption under codec, and fixes Content-Length and GetBody so
// that redirects resend the encrypted body. Like the typed client and Call,
// it refuses with a *ValidationError naming the member, before anything is
// sent, text that is not what the caller wrote: bytes that are not UTF-8, a
// lone surrogate escape, or the escape \ufffd that encoding/json writes for
// such bytes, in the envelope or in its Data (a U+FFFD written as UTF-8
// passes).
//
// Pair it with DecryptResponses; see the package example.
func EncryptRequest(codec *ecpaycrypto.Codec, opts ...EditorOption) RequestEditor {
	cfg := editorConfig{now: time.Now}
	for _, opt := range opts {
		opt(&cfg)
	}
	return func(_ context.Context, req *http.Request) error {
		if codec == nil {
			return errors.New("ecpay: EncryptRequest needs a codec from ecpaycrypto.New")
		}
		if req.Body == nil {
			return errors.New("ecpay: EncryptRequest: the request has no body")
		}
		raw, err := io.ReadAll(io.LimitReader(req.Body, maxRequestBody+1))
		_ = req.Body.Close()
		if err != nil {
			return fmt.Errorf("ecpay: EncryptRequest: reading the request body: %w", err)
		}
		if len(raw) > maxRequestBody {
			return fmt.Errorf("ecpay: EncryptRequest: the request body exceeds %d bytes", maxRequestBody)
		}
		if err := checkEnvelopeText(raw); err != nil {
			return editorError(req, err)
		}
		var env generated.RequestEnvelope
		if err := json.Unmarshal(raw, &env); err != nil {
			return fmt.Errorf("ecpay: EncryptRequest: the request body is not a JSON envelope: %w", err)
		}
		if !json.Valid([]byte(env.Data)) {
			return errors.New("ecpay: EncryptRequest: envelope Data must hold the plaintext inner request JSON, e.g. a marshalled canceldelayissue.RequestData")
		}
		if err := checkInput([]byte(env.Data)); err != nil {
			return editorError(req, err)
		}
		if err := seal(codec, &env, []byte(env.Data), cfg.now()); err != nil {
			return fmt.Errorf("ecpay: EncryptRequest: %w", err)
		}
		body, err := json.Marshal(&env)
		if err != nil {
			return fmt.Errorf("ecpay: EncryptRequest: %w", err)
		}
		setBody(req, body)
		return nil
	}
}

// checkEnvelopeText checks the envelope text raw as checkInput and
// checkText check the inner JSON. Bytes that are not UTF-8 put into the
// envelope's Data string show as a \ufffd escape of the envelope, not of
// the inner JSON: the error then names the inner member holding them.
func checkEnvelopeText(raw []byte) error {
	if badInput(raw) {
		return checkInput(raw)
	}
	if escapedReplacement(raw) < 0 {
		return nil
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(raw, &members) == nil {
		if lit, ok := members[protocol.MemberData]; ok && escapedReplacement(lit) >= 0 {
			// Quoted once more, the escape survives decoding the envelope
			// and shows in the inner JSON, where checkText names its member.
			var inner string
			if json.Unmarshal(requote(lit), &inner) == nil {
				if err := checkText([]byte(inner)); err != nil {
					return err
				}
			}
		}
	}
	field := memberWhere(raw, func(raw []byte) bool { return escapedReplacement(raw) >= 0 })
	return &ValidationError{Field: field, Rule: "utf8", Reason: "the envelope's " + field + " holds bytes that are not UTF-8 (encoding/json sent them as U+FFFD); send the text as UTF-8"}
}

// requote returns the JSON text b with each \ufffd escape (one not itself
// escaped) turned into an escaped backslash followed by "ufffd".
func requote(b []byte) []byte {
	var out []byte
	for {
		i := escapedReplacement(b)
		if i < 0 {
			return append(out, b...)
		}
		out = append(append(out, b[:i]...), '\\')
		out = append(out, b[i:i+len(replacement)]...)
		b = b[i+len(replacement):]
	}
}

// editorError names the operation of req (operationOf), if the registry
// knows its path.
func editorError(req *http.Request, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		ve.Operation = "EncryptRequest"
		if op := operationOf(req); op != nil {
			ve.Operation = op.Name
		}
	}
	return err
}

// operationOf returns the operation whose path req's ends with (after any
// prefix of the server URL), or nil.
func operationOf(req *http.Request) *registry.Operation {
	var found *registry.Operation
	for _, op := range registry.All() {
		if strings.HasSuffix(req.URL.Path, op.Path) {
			found = op
		}
	}
	return found
}

// setBody makes body the request's body, replayable for redirects.
func setBody(req *http.Request, body []byte) {
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(body)), nil
	}
}

// doerFunc adapts a function to HTTPDoer.
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

// DecryptResponses wraps next (an *http.Client, say) into the response hook
// the generated clients lack: when an answer's TransCode is 1, its Data is
// replaced by the decrypted plaintext JSON, so the generated parser and the
// caller see the inner response (decode it into the page's ResponseData,
// e.g. canceldelayissue.ResponseData). For an operation ECPay answers with
// a plain JSON object as Data (registry.Operation.PlainAnswerData:
// GetIssueList), that object's text replaces it the same way. Any other
// answer — HTTP error, TransCode ≠ 1, a body that is not an envelope —
// passes through unchanged. The result is the HttpRequestDoer of every
// generated page package. A nil next is an http.Client that follows
// redirects as CheckRedirect allows.
//
// At most MaxResponseBytes of a body are read; a longer one, or Data that
// does not decrypt (a JSON object, for any other operation), is returned as
// a *DecodeError.
func DecryptResponses(codec *ecpaycrypto.Codec, next HTTPDoer) HTTPDoer {
	if next == nil {
		next = newHTTPClient()
	}
	return doerFunc(func(req *http.Request) (*http.Response, error) {
		if codec == nil {
			return nil, errors.New("ecpay: DecryptResponses needs a codec from ecpaycrypto.New")
		}
		resp, err := next.Do(req)
		if err != nil {
			return nil, err
		}
		body, err := readBody(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return nil, err
		}
		// Only an accepted envelope changes; anything else, including a body
		// that is no envelope at all, is for the caller's parser to report.
		if resp.StatusCode == http.StatusOK {
			if body, err = decryptData(codec, body, operationOf(req)); err != nil {
				return nil, err
			}
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Del("Content-Length")
		return resp, nil
	})
}

// decryptData returns body with the Data member of an accepted envelope
// (TransCode 1) replaced by its plaintext as a JSON string, keeping every
// other member, known to the spec or not, and body itself when it is not
// such an envelope. The body is decoded once, into its raw members. A Data
// that is a JSON object is the plaintext itself for op, the operation
// answered (nil when the path is none), when its answer Data may be plain,
// and an error for any other operation (see plain.go).
func decryptData(codec *ecpaycrypto.Codec, body []byte, op *registry.Operation) ([]byte, error) {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return body, nil
	}
	var transCode int
	if json.Unmarshal(members[protocol.MemberTransCode], &transCode) != nil || transCode != protocol.TransCodeOK {
		return body, nil
	}
	if plain, ok, err := plainDataText(op, members); ok {
		return plain, err
	}
	var data *string
	if raw, ok := members[protocol.MemberData]; ok && json.Unmarshal(raw, &data) != nil {
		return body, nil
	}
	plaintext, err := openData(codec, data)
	if err != nil {
		return nil, err
	}
	if members[protocol.MemberData], err = json.Marshal(string(plaintext)); err != nil {
		return nil, &DecodeError{Problem: "decrypted Data", Err: err}
	}
	return json.Marshal(members)
}
