package proxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// relay passes resp on as it came, after checking it when it is at most
// protocol.MaxResponseBytes long (what the client reads); a longer one is
// streamed through unchecked, and one that breaks off is passed on as far
// as it came, then the connection to the caller is aborted.
func (o *observer) relay(w http.ResponseWriter, ob *observation, resp *http.Response) {
	m := &ob.ex.Response
	m.Status = resp.StatusCode
	m.ContentType = resp.Header.Get("Content-Type")
	const limit = protocol.MaxResponseBytes
	held := int64(limit + 1)
	if n := resp.ContentLength; n >= 0 && n <= limit {
		held = n
	}
	if !o.budget.take(held) {
		o.passUnchecked(w, ob, resp, nil, fmt.Sprintf("the %s held %d MiB of exchanges in flight, its bound", o.mode, o.budget.max>>20))
		return
	}
	defer o.budget.give(held)
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	switch {
	case readErr != nil:
		m.setBody(body)
		ob.ex.UpstreamFailure = fmt.Sprintf("the answer broke off after %d bytes of its body: %s", len(body), readProblem(readErr))
		o.finish(ob, false)
		writeHead(w, resp)
		_, _ = w.Write(body)
		abort(w)
	case len(body) > limit:
		o.passUnchecked(w, ob, resp, body, "")
	default:
		o.openAnswer(ob, resp.Header, body)
		o.finish(ob, true)
		writeHead(w, resp)
		_, _ = w.Write(body)
	}
}

// passUnchecked passes resp on as it came, head the body of which was read
// already, without checking it: because it is larger than the client reads
// (why is ""), or for why.
func (o *observer) passUnchecked(w http.ResponseWriter, ob *observation, resp *http.Response, head []byte, why string) {
	m := &ob.ex.Response
	const limit = protocol.MaxResponseBytes
	writeHead(w, resp)
	_, _ = w.Write(head)
	src := &errReader{r: resp.Body}
	n, _ := io.Copy(w, src)
	if why == "" {
		m.Omitted = fmt.Sprintf("larger than %d MiB: passed on unchecked", limit>>20)
		ob.ex.UpstreamFailure = fmt.Sprintf("the answer is larger than %d MiB, what the client reads: passed on unchecked", limit>>20)
	} else {
		m.Omitted = "passed on unchecked: " + why
		ob.ex.Notes = append(ob.ex.Notes, "answer not checked: "+why)
		if m.Status < 200 || m.Status > 299 {
			ob.ex.UpstreamFailure = "HTTP " + statusLine(m.Status)
		}
	}
	if src.err != nil {
		broke := fmt.Sprintf("it broke off after %d bytes: %s", int64(len(head))+n, readProblem(src.err))
		if ob.ex.UpstreamFailure != "" {
			ob.ex.UpstreamFailure += "; " + broke
		} else {
			ob.ex.UpstreamFailure = "the answer broke off: " + broke
		}
	}
	o.finish(ob, false)
	if src.err != nil {
		abort(w)
	}
}

// decodeContent returns body without its Content-Encoding, for checking
// and recording: gzip is decoded (up to protocol.MaxResponseBytes); any
// other encoding gives omitted, why it is not.
func decodeContent(header http.Header, body []byte) (decoded []byte, omitted string) {
	enc := strings.TrimSpace(strings.ToLower(header.Get("Content-Encoding")))
	switch enc {
	case "", "identity":
		return body, ""
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			decoded, err = io.ReadAll(io.LimitReader(zr, protocol.MaxResponseBytes+1))
		}
		switch {
		case err != nil:
			return nil, "its gzip Content-Encoding does not decode"
		case len(decoded) > protocol.MaxResponseBytes:
			return nil, fmt.Sprintf("decoded from gzip, it is larger than %d MiB", protocol.MaxResponseBytes>>20)
		}
		return decoded, ""
	}
	return nil, fmt.Sprintf("its Content-Encoding %q is not decoded here", serving.Truncate(enc, 40))
}

// readProblem names why an answer's body broke off.
func readProblem(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "the upstream timeout ran out"
	}
	return err.Error()
}

// writeHead sends the status and end-to-end headers of resp as they came,
// and no header of net/http's own (Date, a sniffed Content-Type).
func writeHead(w http.ResponseWriter, resp *http.Response) {
	h := w.Header()
	for k, v := range endToEnd(resp.Header) {
		h[k] = v
	}
	for _, k := range []string{"Content-Type", "Date"} {
		if _, ok := resp.Header[k]; !ok {
			h[k] = nil
		}
	}
	w.WriteHeader(resp.StatusCode)
}

// hopByHop are the headers that concern one connection, not the exchange
// (RFC 9110, section 7.6.1), which a proxy does not pass on.
var hopByHop = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// endToEnd returns a copy of h without its hop-by-hop headers, those the
// Connection header names included.
func endToEnd(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				out.Del(name)
			}
		}
	}
	for _, k := range hopByHop {
		out.Del(k)
	}
	return out
}

// abort sends what was written and breaks the connection to the caller,
// so that it sees an answer that broke off, as it did.
func abort(w http.ResponseWriter) {
	_ = http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

// errReader remembers the error of its reader, so that a copy tells a
// read error from a write error.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		e.err = err
	}
	return n, err
}

// statusLine is "502 Bad Gateway".
func statusLine(code int) string {
	if text := http.StatusText(code); text != "" {
		return strconv.Itoa(code) + " " + text
	}
	return strconv.Itoa(code)
}
