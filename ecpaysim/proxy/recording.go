package proxy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/internal/redact"
	"github.com/ecpay-go/einvoice/internal/violation"
)

// Exchange is one request and its answer as a Proxy saw them: one line of a
// recording (see WithRecording), which ReadRecording reads back, Replay
// serves again and CheckExchange re-checks. It holds the decrypted Data of
// both sides (the merchant's business data), never a HashKey, a HashIV or a
// header.
type Exchange struct {
	// Time is when the request arrived, on the proxy's clock (WithClock's).
	Time time.Time `json:"time"`
	// Operation is the operation the path names, e.g. "TriggerIssue";
	// "" for a path that is no operation's.
	Operation string `json:"operation,omitempty"`
	// Method and Path are the request's.
	Method string `json:"method"`
	Path   string `json:"path"`
	// Query is "": a Proxy does not record the query string (ECPay's API
	// has none, and one may hold anything). A recording made before may
	// have it, without its "?".
	Query string `json:"query,omitempty"`
	// Request and Response are what the caller sent and what it got.
	Request  Message `json:"request"`
	Response Message `json:"response"`
	// Duration is how long the exchange took, from the request's arrival
	// until its answer was ready (passed on, for a streamed answer).
	Duration time.Duration `json:"duration_ns"`
	// UpstreamFailure says what went wrong with the upstream: no answer,
	// a status other than 2xx, an answer larger than the client reads
	// (the client's MaxResponseBytes) or one that broke off. "" when the
	// upstream answered. An upstream failure is not a violation.
	UpstreamFailure string `json:"upstream_failure,omitempty"`
	// Notes say what was not checked, and why (no keys for the merchant,
	// a body over a limit), and that the caller went away before the
	// answer, when the proxy noticed it in time.
	Notes []string `json:"notes,omitempty"`
	// Violations are every way the exchange breaks the pages, request
	// first (at most maxViolations; a note counts the rest).
	Violations []RecordedViolation `json:"violations,omitempty"`
}

// Message is one side of an Exchange. Its body is recorded once, in the
// first of Envelope, Text and Base64 that can hold it, and its Data, when
// it decrypted, in the first of Data, DataText and DataBase64 that can.
type Message struct {
	// Status is the HTTP status of an answer; 0 for a request.
	Status int `json:"status,omitempty"`
	// ContentType is the Content-Type header as sent.
	ContentType string `json:"content_type,omitempty"`
	// Envelope is the body when it is JSON in UTF-8 (as a JSON value:
	// whitespace may differ from the bytes sent, nothing else).
	Envelope json.RawMessage `json:"envelope,omitempty"`
	// Text is the body when it is UTF-8 but not JSON, e.g. an HTML page.
	Text string `json:"text,omitempty"`
	// Base64 is any other body.
	Base64 []byte `json:"base64,omitempty"`
	// Omitted says why the body is not recorded, e.g. that it was larger
	// than a limit; "" when it is.
	Omitted string `json:"omitted,omitempty"`
	// Decrypted reports that the envelope's Data decrypted with the
	// merchant's keys; its plaintext is in Data, DataText or DataBase64
	// (none of them for an empty plaintext).
	Decrypted bool `json:"decrypted,omitempty"`
	// Data is the decrypted Data when it is JSON in UTF-8.
	Data json.RawMessage `json:"data,omitempty"`
	// DataText is the decrypted Data when it is UTF-8 but not JSON.
	DataText string `json:"data_text,omitempty"`
	// DataBase64 is any other decrypted Data.
	DataBase64 []byte `json:"data_base64,omitempty"`
}

// Body returns the body as recorded (see Envelope); nil when it was empty
// or Omitted.
func (m *Message) Body() []byte {
	switch {
	case m.Envelope != nil:
		return m.Envelope
	case m.Text != "":
		return []byte(m.Text)
	}
	return m.Base64
}

// Plaintext returns the decrypted Data as recorded; nil unless Decrypted.
func (m *Message) Plaintext() []byte {
	switch {
	case !m.Decrypted:
		return nil
	case m.Data != nil:
		return m.Data
	case m.DataText != "":
		return []byte(m.DataText)
	case m.DataBase64 != nil:
		return m.DataBase64
	}
	return []byte{}
}

func (m *Message) setBody(b []byte) {
	m.Envelope, m.Text, m.Base64 = classify(b)
}

func (m *Message) setPlaintext(p []byte) {
	m.Decrypted = true
	m.Data, m.DataText, m.DataBase64 = classify(p)
}

// classify returns b in the first of three forms that can hold it: JSON
// in UTF-8, other UTF-8 text, or bytes; nothing for an empty b.
func classify(b []byte) (json.RawMessage, string, []byte) {
	switch {
	case len(b) == 0:
		return nil, "", nil
	case isJSON(b):
		return b, "", nil
	case utf8.Valid(b):
		return nil, string(b), nil
	}
	return nil, "", b
}

// isJSON reports whether b is JSON in UTF-8 (json.Valid alone lets
// invalid UTF-8 pass inside strings): what a recording keeps as JSON and
// what a Proxy takes a body or a Data to be.
func isJSON(b []byte) bool {
	return utf8.Valid(b) && json.Valid(b)
}

// The sides of a RecordedViolation.
const (
	SideRequest  = "request"
	SideResponse = "response"
)

// Where a RecordedViolation is.
const (
	// WhereHTTP: the path, method, status, Content-Type or the body as a
	// whole (not JSON).
	WhereHTTP = "http"
	// WhereEnvelope: the JSON envelope, against the page's request or
	// response schema and the Timestamp window.
	WhereEnvelope = "envelope"
	// WhereData: the decrypted Data, against the page's request or
	// response Data schema, and its decryption.
	WhereData = "data"
)

// The rules of the violations that are not schema keywords.
const (
	rulePath        = "path"             // no operation has the path
	ruleMethod      = "method"           // not POST
	ruleStatus      = "status"           // a 2xx other than the page's 200
	ruleContentType = "content-type"     // not application/json
	ruleJSON        = "json"             // a body or a Data that is not JSON in UTF-8
	ruleWindow      = "timestamp-window" // RqHeader.Timestamp out of the window
	ruleDecrypt     = "decrypt"          // Data does not decrypt with the merchant's keys
	ruleMerchant    = "merchant-mismatch"
	ruleDataMissing = "data-missing" // TransCode 1 without Data
)

// RecordedViolation is one way an exchange breaks the pages: its side, where
// it is, and, as internal/violation formats every validation error, the JSON
// pointer of the value at fault, the rule and the reason (never the value).
// Rule is a schema keyword (type, maxLength, required, …) or one of the
// proxy's own: path, method, status, content-type, json, timestamp-window,
// decrypt, merchant-mismatch, data-missing.
type RecordedViolation struct {
	// Side is SideRequest or SideResponse.
	Side string `json:"side"`
	// Where is WhereHTTP, WhereEnvelope or WhereData.
	Where string `json:"where"`
	violation.Violation
}

// String formats v as "request data#/Tsr: maxLength: maximum string length
// is 30".
func (v RecordedViolation) String() string {
	s := v.Reason
	if v.Rule != "" {
		s = v.Rule + ": " + s
	}
	return v.Side + " " + v.Where + "#" + v.Pointer + ": " + s
}

// maxViolations bounds the violations an Exchange lists, so that a line of a
// recording stays bounded whatever the bodies.
const maxViolations = 1000

var (
	sideOrder  = map[string]int{SideRequest: 0, SideResponse: 1}
	whereOrder = map[string]int{WhereHTTP: 0, WhereEnvelope: 1, WhereData: 2}
)

// sortViolations orders vs by side and place, keeping the order within
// each (violation.List sorts by pointer).
func sortViolations(vs []RecordedViolation) {
	slices.SortStableFunc(vs, func(a, b RecordedViolation) int {
		if d := sideOrder[a.Side] - sideOrder[b.Side]; d != 0 {
			return d
		}
		return whereOrder[a.Where] - whereOrder[b.Where]
	})
}

// MaxRecordingLine is the longest line ReadRecording reads (32 MiB). A Proxy
// never writes a longer one: the bodies of an exchange that would need more
// are omitted from its line.
const MaxRecordingLine = 32 << 20

// recorder appends exchanges to a recording, one write per line.
type recorder struct {
	mu sync.Mutex
	w  io.Writer
}

// write appends ex as one line.
func (r *recorder) write(ex *Exchange) error {
	line, err := encodeLine(ex)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err = r.w.Write(line)
	return err
}

// encodeLine returns ex as a line of a recording, newline included, within
// MaxRecordingLine: without its bodies when they would make it longer.
func encodeLine(ex *Exchange) ([]byte, error) {
	line, err := marshalLine(ex)
	if err != nil || len(line) <= MaxRecordingLine {
		return line, err
	}
	cp := *ex
	omit := fmt.Sprintf("the line would be longer than %d MiB", MaxRecordingLine>>20)
	for _, m := range []*Message{&cp.Request, &cp.Response} {
		decrypted := m.Decrypted
		*m = Message{Status: m.Status, ContentType: m.ContentType, Omitted: omit, Decrypted: decrypted}
	}
	cp.Notes = append(slices.Clone(cp.Notes), "bodies omitted: "+omit)
	return marshalLine(&cp)
}

// safeMessages returns ex as it is to be recorded: ex itself, or, when its
// answer's TransMsg (in the envelope) or RtnMsg (in the decrypted Data) is
// not what redact.Text makes of it (longer than redact.Limit, holding the
// merchant's HashKey or HashIV, or a control character), a copy with that
// message replaced and a note saying so, as the client's errors have it.
// Replay serves the message as recorded, and a re-check of the recording
// sees it so: a violation of its length may no longer be found.
func safeMessages(ex *Exchange, codec *ecpaycrypto.Codec) *Exchange {
	env, envChanged := safeMember(ex.Response.Envelope, "TransMsg", codec)
	data, dataChanged := safeMember(ex.Response.Data, "RtnMsg", codec)
	if !envChanged && !dataChanged {
		return ex
	}
	cp := *ex
	cp.Response.Envelope, cp.Response.Data = env, data
	cp.Notes = append(slices.Clone(cp.Notes), fmt.Sprintf("the answer's TransMsg or RtnMsg is recorded made safe: at most %d bytes, on one line, control characters replaced, keys redacted", redact.Limit))
	return &cp
}

// safeMember returns the JSON object raw with its string member name made
// safe by redact.Text, and whether that changed it.
func safeMember(raw json.RawMessage, name string, codec *ecpaycrypto.Codec) (json.RawMessage, bool) {
	s, ok := unquote(members(raw)[name])
	if !ok {
		return raw, false
	}
	safe := redact.Text(codec, s, redact.Limit)
	if safe == s {
		return raw, false
	}
	out, err := rewriteMembers(raw, map[string]func(json.RawMessage) (json.RawMessage, error){
		name: func(json.RawMessage) (json.RawMessage, error) { return json.Marshal(safe) },
	})
	if err != nil {
		// raw is an object members decoded, so this cannot happen; were
		// it to, the safe message alone is recorded, never raw.
		out, _ = json.Marshal(map[string]string{name: safe})
	}
	return out, true
}

func marshalLine(ex *Exchange) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ex); err != nil {
		return nil, fmt.Errorf("ecpaysim: encoding the exchange: %w", err)
	}
	return buf.Bytes(), nil
}

// OpenRecording opens the recording at path for WithRecording: created with
// mode 0600 (it will hold decrypted Data), or an existing one appended to.
// An existing file that others may read (group or other permission bits) is
// refused, so that a recording never ends up readable by others; so is one
// whose last line has no newline (a crash cut it off), which would swallow
// the next exchange: RepairRecording mends it first.
func OpenRecording(path string) (*os.File, error) {
	f, err := openRecordingFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE)
	if err != nil {
		return nil, err
	}
	torn, err := tornTail(f)
	if err == nil && torn != nil {
		err = fmt.Errorf("ecpaysim: the recording %s ends in line %d without a newline (%d bytes; was it interrupted while writing it?): appending would join the next exchange to it; RepairRecording mends it", path, torn.Line, torn.Bytes)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// openRecordingFile opens the recording at path with flag, refusing one
// that others may read.
func openRecordingFile(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag, 0o600)
	if err != nil {
		return nil, fmt.Errorf("ecpaysim: opening the recording: %w", err)
	}
	if runtime.GOOS != "windows" {
		info, err := f.Stat()
		if err == nil && info.Mode().Perm()&0o077 != 0 {
			f.Close()
			return nil, fmt.Errorf("ecpaysim: the recording %s may be read by others (mode %04o) and would hold decrypted Data: chmod 600 it, or give a new file", path, info.Mode().Perm())
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("ecpaysim: opening the recording: %w", err)
		}
	}
	return f, nil
}

// TornLine is the last line of a recording that has no newline, as
// RepairRecording found it: what a crash leaves when it interrupts the
// write of an exchange.
type TornLine struct {
	// Line is its number, from 1.
	Line int
	// Offset is where it starts; Bytes its length.
	Offset, Bytes int64
	// Whole reports a line that is a whole exchange all the same (a
	// recording edited by hand): RepairRecording adds its newline instead
	// of cutting it off.
	Whole bool
}

// RepairRecording mends the recording at path so that the next exchange
// appended starts a line of its own, as a crash during a write leaves it
// otherwise: a last line without a newline is cut off (or, when it is a
// whole exchange, given its newline). It returns that line, or nil when
// there was none to mend or no file. It refuses a file that others may
// read, as OpenRecording does.
func RepairRecording(path string) (*TornLine, error) {
	f, err := openRecordingFile(path, os.O_RDWR)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	torn, err := tornTail(f)
	if err != nil || torn == nil {
		return nil, err
	}
	if torn.Bytes <= MaxRecordingLine {
		line := make([]byte, torn.Bytes)
		if _, err := f.ReadAt(line, torn.Offset); err != nil {
			return nil, fmt.Errorf("ecpaysim: reading the recording's last line: %w", err)
		}
		_, err := decodeExchange(line)
		torn.Whole = err == nil
	}
	if torn.Whole {
		_, err = f.WriteAt([]byte("\n"), torn.Offset+torn.Bytes)
	} else {
		err = f.Truncate(torn.Offset)
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		return nil, fmt.Errorf("ecpaysim: mending the recording %s: %w", path, err)
	}
	return torn, nil
}

// tornTail returns the last line of the recording f when it has no
// newline, or nil.
func tornTail(f *os.File) (*TornLine, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("ecpaysim: reading the recording: %w", err)
	}
	size := info.Size()
	if !info.Mode().IsRegular() || size == 0 {
		return nil, nil
	}
	buf := make([]byte, 64<<10)
	// Back from the end to the last newline: where the torn line starts.
	start := int64(0)
	for end := size; end > 0; {
		n := min(end, int64(len(buf)))
		chunk := buf[:n]
		if _, err := f.ReadAt(chunk, end-n); err != nil {
			return nil, fmt.Errorf("ecpaysim: reading the recording: %w", err)
		}
		if end == size && chunk[n-1] == '\n' {
			return nil, nil
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			start = end - n + int64(i) + 1
			break
		}
		end -= n
	}
	line := 1
	for off := int64(0); off < start; {
		chunk := buf[:min(start-off, int64(len(buf)))]
		if _, err := f.ReadAt(chunk, off); err != nil {
			return nil, fmt.Errorf("ecpaysim: reading the recording: %w", err)
		}
		line += bytes.Count(chunk, []byte{'\n'})
		off += int64(len(chunk))
	}
	return &TornLine{Line: line, Offset: start, Bytes: size - start}, nil
}

// RecordingLine is a line of a recording, as ReadRecording yields it.
type RecordingLine struct {
	// Number is the line's number, from 1.
	Number   int
	Exchange Exchange
}

// RecordingError reports a line of a recording that is not an Exchange.
type RecordingError struct {
	Line int
	Err  error
}

func (e *RecordingError) Error() string {
	return fmt.Sprintf("ecpaysim: recording line %d: %v", e.Line, e.Err)
}

func (e *RecordingError) Unwrap() error { return e.Err }

// ReadRecording returns the lines of the recording r, one Exchange each
// (blank lines are skipped). A line that is not an exchange yields a
// *RecordingError naming it, and reading goes on with the next line while
// the caller goes on ranging; an error reading r ends the sequence after
// yielding it. Each line is read up to MaxRecordingLine.
//
//	for line, err := range proxy.ReadRecording(f) {
//		if err != nil {
//			return err // "ecpaysim: recording line 3: …"
//		}
//		use(line.Exchange)
//	}
func ReadRecording(r io.Reader) iter.Seq2[RecordingLine, error] {
	return func(yield func(RecordingLine, error) bool) {
		br := bufio.NewReaderSize(r, 64<<10)
		for n := 1; ; n++ {
			line, tooLong, err := readLine(br)
			if err != nil && !errors.Is(err, io.EOF) {
				// Not a line's fault: a plain error, which ends the reading.
				yield(RecordingLine{Number: n}, fmt.Errorf("ecpaysim: reading the recording at line %d: %w", n, err))
				return
			}
			eof := err != nil
			switch {
			case tooLong:
				if !yield(RecordingLine{Number: n}, &RecordingError{n, fmt.Errorf("longer than %d MiB: not a line of a recording", MaxRecordingLine>>20)}) {
					return
				}
			case len(bytes.TrimSpace(line)) > 0:
				ex, err := parseExchange(line, eof)
				if err != nil {
					if !yield(RecordingLine{Number: n}, &RecordingError{n, err}) {
						return
					}
					break
				}
				if !yield(RecordingLine{Number: n, Exchange: ex}, nil) {
					return
				}
			}
			if eof {
				return
			}
		}
	}
}

// readLine reads the next line of br without its newline, at most
// MaxRecordingLine bytes of it; tooLong reports a longer line, which it
// skips. err is io.EOF for the last line, with or without a newline.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > MaxRecordingLine+1 {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil:
			if errors.Is(err, io.EOF) && len(line) == 0 && !tooLong {
				return nil, false, io.EOF
			}
			return bytes.TrimSuffix(line, []byte("\n")), tooLong, err
		}
		return bytes.TrimSuffix(line, []byte("\n")), tooLong, nil
	}
}

// parseExchange decodes a line of a recording and checks what the Proxy
// always writes; last reports the file's last line, which an interrupted
// recording may have cut off.
func parseExchange(line []byte, last bool) (Exchange, error) {
	ex, err := decodeExchange(line)
	if _, ok := errors.AsType[*decodeError](err); ok {
		if last && cutOff(line) {
			return Exchange{}, errors.New("the line is cut off (was the recording interrupted while writing it?)")
		}
		if n := tornPrefix(line); n > 0 {
			return Exchange{}, fmt.Errorf("the line is torn: its first %d bytes are an exchange cut off (was the recording interrupted while writing it?), and an exchange appended later follows them on the same line; delete those %d bytes to keep it (RepairRecording, which ecpay-sim --record runs, mends a recording before appending to it)", n, n)
		}
	}
	return ex, err
}

// decodeError is a line of a recording that does not decode as an
// Exchange.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return "not an exchange: " + jsonProblem(e.err) }

// decodeExchange decodes a line of a recording and checks what the Proxy
// always writes.
func decodeExchange(line []byte) (Exchange, error) {
	var ex Exchange
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ex); err != nil {
		return Exchange{}, &decodeError{err}
	}
	if dec.More() {
		return Exchange{}, errors.New("more than one JSON value on the line")
	}
	var problems []string
	if ex.Time.IsZero() {
		problems = append(problems, `"time" is missing`)
	}
	if ex.Method == "" {
		problems = append(problems, `"method" is missing`)
	}
	if len(ex.Path) == 0 || ex.Path[0] != '/' {
		problems = append(problems, `"path" must begin with "/"`)
	}
	if s := ex.Response.Status; s < 100 || s > 999 {
		problems = append(problems, fmt.Sprintf(`"response" "status" %d is not an HTTP status`, s))
	}
	if ex.Request.Status != 0 {
		problems = append(problems, `"request" has a "status"`)
	}
	if ex.Duration < 0 {
		problems = append(problems, `"duration_ns" is negative`)
	}
	for side, m := range map[string]*Message{"request": &ex.Request, "response": &ex.Response} {
		problems = append(problems, m.problems(side)...)
	}
	for i, v := range ex.Violations {
		if _, ok := sideOrder[v.Side]; !ok {
			problems = append(problems, fmt.Sprintf(`violation %d: "side" %q is neither request nor response`, i+1, v.Side))
		}
		if _, ok := whereOrder[v.Where]; !ok {
			problems = append(problems, fmt.Sprintf(`violation %d: "where" %q is not http, envelope or data`, i+1, v.Where))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return Exchange{}, fmt.Errorf("not an exchange: %s", strings.Join(problems, "; "))
	}
	return ex, nil
}

// cutOff reports whether line is JSON cut off before its end.
func cutOff(line []byte) bool {
	var v json.RawMessage
	err := json.Unmarshal(line, &v)
	var syntax *json.SyntaxError
	return errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &syntax) && syntax.Offset >= int64(len(line)))
}

// tornPrefix returns the length of the cut-off exchange that starts line,
// when the rest of line is an exchange: what appending to a recording
// whose last line a crash cut off leaves. 0 when line is not that.
func tornPrefix(line []byte) int {
	// An exchange begins with its time; the same text may begin a recorded
	// Data, so a few candidates are tried, never more.
	const tries = 8
	start := []byte(`{"time":`)
	for i, try := 1, 0; i < len(line) && try < tries; i, try = i+1, try+1 {
		j := bytes.Index(line[i:], start)
		if j < 0 {
			return 0
		}
		i += j
		if cutOff(line[:i]) {
			if _, err := decodeExchange(line[i:]); err == nil {
				return i
			}
		}
	}
	return 0
}

// problems names what is inconsistent in m, the named side of an exchange.
func (m *Message) problems(side string) []string {
	var out []string
	count := func(set ...bool) int {
		n := 0
		for _, s := range set {
			if s {
				n++
			}
		}
		return n
	}
	if count(m.Envelope != nil, m.Text != "", m.Base64 != nil, m.Omitted != "") > 1 {
		out = append(out, fmt.Sprintf(`%q has more than one of "envelope", "text", "base64" and "omitted"`, side))
	}
	if m.Text != "" && json.Valid([]byte(m.Text)) {
		out = append(out, fmt.Sprintf(`%q "text" is JSON: it belongs in "envelope"`, side))
	}
	if n := count(m.Data != nil, m.DataText != "", m.DataBase64 != nil); n > 1 || (n > 0 && !m.Decrypted) {
		out = append(out, fmt.Sprintf(`%q needs "decrypted" and at most one of "data", "data_text" and "data_base64"`, side))
	}
	if m.DataText != "" && json.Valid([]byte(m.DataText)) {
		out = append(out, fmt.Sprintf(`%q "data_text" is JSON: it belongs in "data"`, side))
	}
	return out
}

// jsonProblem is a decoding error of encoding/json in the recording's
// terms: the member at fault and the JSON it wants.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return fmt.Sprintf("a line must be a JSON object, not a JSON %s", typeErr.Value)
		}
		return fmt.Sprintf("%q must be %s, not a JSON %s", typeErr.Field, jsonKind(typeErr.Type), typeErr.Value)
	}
	var timeErr *time.ParseError
	if errors.As(err, &timeErr) || strings.HasPrefix(err.Error(), "Time.UnmarshalJSON") {
		// time.Time's own errors do not name the member: "time" is the
		// only one of its type.
		return `"time" must be an RFC 3339 time string, e.g. "2025-01-02T03:04:05Z"`
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonKind names the JSON that decodes into t.
func jsonKind(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[[]byte]():
		return "a base64 string"
	case t == reflect.TypeFor[json.RawMessage]():
		return "JSON"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "a boolean"
	}
	return "a number"
}

// unquote returns the JSON string raw, or "" and false.
func unquote(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// jsonNumber returns the JSON number raw as a float64, or false.
func jsonNumber(raw json.RawMessage) (float64, bool) {
	if len(raw) == 0 || raw[0] == '"' {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	return f, err == nil
}
