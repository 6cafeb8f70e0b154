// Package serving holds what the simulator (ecpaysim) and the proxy
// (ecpaysim/proxy) both need to serve ECPay's wire, written once: the bound
// on request bodies and how a body is read within it, the text/plain and
// JSON answers of their own, the admin API's prefix, the merchants and
// their keys, and the limits the pages set on what they echo (limits.go).
// ECPay's own facts are in internal/protocol.
package serving

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
)

// MaxBodyBytes is the largest request body the simulator, its admin API,
// the proxy or the replay reads (1 MiB); a larger one gets HTTP 413.
const MaxBodyBytes = 1 << 20

// AdminPrefix is the path prefix of the admin API of the simulator, the
// proxy and the replay.
const AdminPrefix = "/_sim/"

// ErrTooLarge is ReadLimited's error for a body larger than MaxBodyBytes.
var ErrTooLarge = errors.New("the body is larger than MaxBodyBytes")

// ReadLimited reads the body of r to its end, at most MaxBodyBytes of it:
// a larger one, announced or not, is ErrTooLarge, and is not read further
// (w lets MaxBytesReader close the connection after it). The body is read
// into one buffer of the announced length, when there is one, so that a
// large body is not copied through doubling buffers and a record of it
// keeps no spare capacity.
func ReadLimited(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, ErrTooLarge
	}
	limited := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	var body []byte
	var err error
	if r.ContentLength > 0 {
		// net/http reads no more than the announced length.
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(limited, body)
	} else {
		body, err = io.ReadAll(limited)
	}
	if err == nil {
		// Reading on to the end lets net/http notice a caller that goes
		// away (it cancels r's context then).
		_, err = io.Copy(io.Discard, limited)
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, ErrTooLarge
	}
	if err != nil {
		return nil, err
	}
	return body, nil
}

// Plain returns the header and body of an answer outside ECPay's protocol:
// text/plain, "ecpaysim: " and msg on one line.
func Plain(msg string) (http.Header, []byte) {
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	return h, []byte("ecpaysim: " + msg + "\n")
}

// Write sends status, header and body as they are, with the body's
// Content-Length.
func Write(w http.ResponseWriter, status int, header http.Header, body []byte) {
	for k, v := range header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteJSON sends v, a value of strings, ints and maps of them only, which
// encoding/json cannot fail on, as an application/json answer.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	Write(w, status, http.Header{"Content-Type": {"application/json"}}, append(body, '\n'))
}

// Truncate shortens s to at most n runes, marking a cut with "…".
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}

// OrDefault returns s, or def when s is empty.
func OrDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// DecryptProblem names what is wrong with an undecryptable Data without
// repeating it: the ecpaycrypto errors carry no key material, but their
// advice is meant for the client's developer, not for a TransMsg.
func DecryptProblem(err error) string {
	switch {
	case errors.Is(err, ecpaycrypto.ErrEmptyData):
		return "it is empty"
	case errors.Is(err, ecpaycrypto.ErrBase64):
		return "it is not standard base64"
	case errors.Is(err, ecpaycrypto.ErrBlockSize):
		return "it is not a whole number of AES blocks"
	case errors.Is(err, ecpaycrypto.ErrPadding):
		return "bad padding (wrong key or IV, or corrupted)"
	}
	return "it does not decrypt"
}

// IsJSONType reports whether a Content-Type is application/json.
func IsJSONType(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && mediaType == "application/json"
}
