package wrapper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
)

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

// EncryptRequest returns a request editor for the generated client that
// turns a request whose envelope Data holds the plaintext inner JSON (for
// example a marshalled generated.CancelDelayIssueRequestData) into ECPay's
// wire form: it sets RqHeader.Timestamp to the current Unix time, replaces
// Data with its encryption under codec, and fixes Content-Length and
// GetBody so that redirects resend the encrypted body.
//
// Pair it with DecryptResponses; see the package example.
func EncryptRequest(codec *ecpaycrypto.Codec, opts ...EditorOption) generated.RequestEditorFn {
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
		raw, err := io.ReadAll(io.LimitReader(req.Body, MaxResponseBytes+1))
		_ = req.Body.Close()
		if err != nil {
			return fmt.Errorf("ecpay: EncryptRequest: reading the request body: %w", err)
		}
		var env generated.RequestEnvelope
		if err := json.Unmarshal(raw, &env); err != nil {
			return fmt.Errorf("ecpay: EncryptRequest: the request body is not a JSON envelope: %w", err)
		}
		if !json.Valid([]byte(env.Data)) {
			return errors.New("ecpay: EncryptRequest: envelope Data must hold the plaintext inner request JSON, e.g. a marshalled generated.CancelDelayIssueRequestData")
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

// setBody makes body the request's body, replayable for redirects.
func setBody(req *http.Request, body []byte) {
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(body)), nil
	}
}

// doerFunc adapts a function to generated.HttpRequestDoer.
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

// DecryptResponses wraps next (an *http.Client, say) into the response hook
// the generated client lacks: when an answer's TransCode is 1, its Data is
// replaced by the decrypted plaintext JSON, so the generated parser and the
// caller see the inner response (decode it into a
// generated.CancelDelayIssueResponseData). Any other answer — HTTP error,
// TransCode ≠ 1, a body that is not an envelope — passes through unchanged.
//
// At most MaxResponseBytes of a body are read; a longer one, or Data that
// does not decrypt, is returned as a *DecodeError.
func DecryptResponses(codec *ecpaycrypto.Codec, next generated.HttpRequestDoer) generated.HttpRequestDoer {
	if next == nil {
		next = http.DefaultClient
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
			if body, err = decryptData(codec, body); err != nil {
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
// such an envelope. The body is decoded once, into its raw members.
func decryptData(codec *ecpaycrypto.Codec, body []byte) ([]byte, error) {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return body, nil
	}
	var transCode int
	if json.Unmarshal(members["TransCode"], &transCode) != nil || transCode != 1 {
		return body, nil
	}
	var data *string
	if raw, ok := members["Data"]; ok && json.Unmarshal(raw, &data) != nil {
		return body, nil
	}
	plaintext, err := openData(codec, data)
	if err != nil {
		return nil, err
	}
	if members["Data"], err = json.Marshal(string(plaintext)); err != nil {
		return nil, &DecodeError{Problem: "decrypted Data", Err: err}
	}
	return json.Marshal(members)
}
