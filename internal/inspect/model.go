package inspect

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim/proxy"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/protocol"
	"github.com/ecpay-go/einvoice/internal/violation"
)

// Entry is one exchange to show: a Proxy's Exchange (the simulator's are
// made into one, see Simulator), its number and its violations.
type Entry struct {
	// Seq numbers the exchange: its place in the source (the recording's
	// line for a report).
	Seq int64
	proxy.Exchange
	// Violations are those to show: for a report, the recording checked
	// again; otherwise the Exchange's own.
	Violations []proxy.RecordedViolation
}

// The verdicts of an exchange, from the worst: a violation of the pages,
// a failure of the upstream (or an HTTP error of the simulator), a refusal
// (TransCode other than 1, or an RtnCode not among the operation's
// successes), or ok.
const (
	VerdictViolation = "violation"
	VerdictFailure   = "failure"
	VerdictRefused   = "refused"
	VerdictOK        = "ok"
)

// Verdicts lists the verdicts in the order the filter offers them.
var Verdicts = []string{VerdictViolation, VerdictFailure, VerdictRefused, VerdictOK}

// row is the view of an Entry: what the templates show.
type row struct {
	Seq                 int64
	Time                string
	Operation, Merchant string
	TransCode, TransMsg string
	RtnCode, RtnMsg     string
	Meaning, Class      string
	Verdict             string
	Failure             string
	Notes               []string
	Sides               [2]side
	Violations          int
}

// side is one side of an exchange: its Data pretty-printed with its
// violations pinned to their lines, the envelope likewise, and the
// violations that belong to no line.
type side struct {
	Name       string // "Request" or "Answer"
	Class      string // "request" or "answer"
	Status     int
	Data       []line
	DataNote   string // why there is no Data to show
	Envelope   []line
	Body       string // a body that is no JSON envelope, as text
	Loose      []pin  // violations of the HTTP exchange or of no line
	Violations int
}

// line is one line of pretty-printed JSON, with the violations at its
// pointer.
type line struct {
	Pointer string
	Text    string
	Pins    []pin
}

// pin is a violation as shown: where, the rule, the page's words.
type pin struct {
	Where, Pointer, Rule, Reason string
}

// newRow makes the view of e.
func newRow(e Entry) row {
	ex := e.Exchange
	r := row{Seq: e.Seq, Time: ex.Time.UTC().Format(time.RFC3339), Operation: ex.Operation, Failure: ex.UpstreamFailure, Notes: ex.Notes}
	if r.Operation == "" {
		r.Operation = ex.Method + " " + ex.Path
	}
	reqEnv := members(ex.Request.Envelope)
	r.Merchant, _ = str(reqEnv["MerchantID"])
	respEnv := members(ex.Response.Envelope)
	r.TransCode = scalar(respEnv["TransCode"])
	if r.TransCode != strconv.Itoa(protocol.TransCodeOK) {
		r.TransMsg, _ = str(respEnv["TransMsg"])
	}
	respData := members(ex.Response.Plaintext())
	r.RtnCode = scalar(respData["RtnCode"])
	r.RtnMsg, _ = str(respData["RtnMsg"])
	op := registry.ByPath(ex.Path)
	success := false
	if n, err := strconv.Atoi(r.RtnCode); err == nil && op != nil {
		if c, ok := op.Code(n); ok {
			r.Meaning = c.Description
			success = c.Success
			var classes []string
			for _, cl := range c.Classes {
				classes = append(classes, string(cl))
			}
			r.Class = strings.Join(classes, ", ")
		} else {
			r.Meaning = "not an RtnCode the page lists"
		}
	}
	r.Sides[0] = newSide("Request", &ex.Request, e.Violations, proxy.SideRequest)
	r.Sides[1] = newSide("Answer", &ex.Response, e.Violations, proxy.SideResponse)
	r.Violations = len(e.Violations)
	switch {
	case len(e.Violations) > 0:
		r.Verdict = VerdictViolation
	case ex.UpstreamFailure != "":
		r.Verdict = VerdictFailure
	case r.TransCode != strconv.Itoa(protocol.TransCodeOK) || !success:
		r.Verdict = VerdictRefused
	default:
		r.Verdict = VerdictOK
	}
	return r
}

// newSide makes the view of one side of an exchange, pinning the
// violations of that side.
func newSide(name string, m *proxy.Message, vs []proxy.RecordedViolation, sideName string) side {
	s := side{Name: name, Class: strings.ToLower(name), Status: m.Status}
	switch {
	case m.Omitted != "":
		s.DataNote = m.Omitted
	case m.Decrypted:
		s.Data = pretty(m.Plaintext())
	case m.Envelope != nil:
		s.DataNote = "no Data decrypted"
	default:
		s.DataNote = "no envelope"
	}
	if m.Envelope != nil {
		s.Envelope = pretty(m.Envelope)
	} else if b := m.Body(); len(b) > 0 {
		s.Body = bodyText(b, m.Text != "")
	}
	for _, v := range vs {
		if v.Side != sideName {
			continue
		}
		s.Violations++
		p := pin{Where: v.Where, Pointer: v.Pointer, Rule: v.Rule, Reason: v.Reason}
		var lines []line
		switch v.Where {
		case proxy.WhereData:
			lines = s.Data
		case proxy.WhereEnvelope:
			lines = s.Envelope
		}
		if !pinTo(lines, p) {
			s.Loose = append(s.Loose, p)
		}
	}
	return s
}

// pinTo pins p to the line of its pointer, or else of the nearest member
// that holds it (a missing member's object); false when there is none.
func pinTo(lines []line, p pin) bool {
	for ptr := p.Pointer; ; {
		for i := range lines {
			if lines[i].Pointer == ptr {
				lines[i].Pins = append(lines[i].Pins, p)
				return true
			}
		}
		if ptr == "" {
			return false
		}
		ptr = ptr[:strings.LastIndexByte(ptr, '/')]
	}
}

// bodyText shows a body that is not a JSON envelope.
func bodyText(b []byte, text bool) string {
	if text {
		return string(b)
	}
	return fmt.Sprintf("(%d bytes, not text) %s", len(b), base64.StdEncoding.EncodeToString(b[:min(len(b), 96)]))
}

// pretty prints the JSON document raw two spaces an indent, each line
// with the JSON pointer of the value it begins; raw that is not JSON is
// one line, as text.
func pretty(raw []byte) []line {
	var out []line
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var p printer
	if err := p.value(dec, nil, "", 0, ""); err != nil || p.more(dec) {
		return []line{{Text: string(raw)}}
	}
	out = p.lines
	return out
}

type printer struct{ lines []line }

// more reports whether dec has anything after the document.
func (p *printer) more(dec *json.Decoder) bool {
	_, err := dec.Token()
	return err != io.EOF
}

// value prints the next value of dec, at path, after prefix (its member
// name) and followed by suffix (a comma).
func (p *printer) value(dec *json.Decoder, path []string, prefix string, depth int, suffix string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	indent := strings.Repeat("  ", depth)
	ptr := violation.Pointer(path)
	d, ok := tok.(json.Delim)
	if !ok {
		p.lines = append(p.lines, line{Pointer: ptr, Text: indent + prefix + literal(tok) + suffix})
		return nil
	}
	closer := "]"
	if d == '{' {
		closer = "}"
	}
	p.lines = append(p.lines, line{Pointer: ptr, Text: indent + prefix + string(d)})
	start := len(p.lines)
	for i := 0; dec.More(); i++ {
		if i > 0 {
			p.lines[len(p.lines)-1].Text += ","
		}
		key, member := strconv.Itoa(i), ""
		if d == '{' {
			t, err := dec.Token()
			if err != nil {
				return err
			}
			key = t.(string)
			member = quote(key) + ": "
		}
		if err := p.value(dec, append(path[:len(path):len(path)], key), member, depth+1, ""); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if len(p.lines) == start {
		p.lines[start-1].Text += closer + suffix
		return nil
	}
	p.lines = append(p.lines, line{Pointer: ptr, Text: indent + closer + suffix})
	return nil
}

func literal(tok json.Token) string {
	switch v := tok.(type) {
	case string:
		return quote(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return "null"
}

// quote is a JSON string as written, without the HTML escapes of
// json.Marshal (the template escapes for HTML).
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// members returns the members of the JSON object raw; nil when it is none.
func members(raw []byte) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

// str reads a JSON string.
func str(raw json.RawMessage) (string, bool) {
	var s string
	err := json.Unmarshal(raw, &s)
	return s, len(raw) > 0 && err == nil
}

// scalar shows a JSON number or string as its text; "" for anything else.
func scalar(raw json.RawMessage) string {
	if s, ok := str(raw); ok {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}
