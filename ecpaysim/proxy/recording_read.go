package proxy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecpay-go/einvoice/internal/jsonview"
)

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
		return fmt.Sprintf("%q must be %s, not a JSON %s", typeErr.Field, jsonview.WithArticle(jsonview.TypeName(typeErr.Type)), typeErr.Value)
	}
	var timeErr *time.ParseError
	if errors.As(err, &timeErr) || strings.HasPrefix(err.Error(), "Time.UnmarshalJSON") {
		// time.Time's own errors do not name the member: "time" is the
		// only one of its type.
		return `"time" must be an RFC 3339 time string, e.g. "2025-01-02T03:04:05Z"`
	}
	return strings.TrimPrefix(err.Error(), "json: ")
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
