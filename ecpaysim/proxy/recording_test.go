package proxy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/ecpay-go/einvoice/ecpaysim/proxy"

	"github.com/ecpay-go/einvoice/ecpaysim"
)

// A line as the Proxy writes it, for the tests of the reader.
const goodLine = `{"time":"2025-01-02T03:04:05Z","operation":"CancelDelayIssue","method":"POST","path":"/B2CInvoice/CancelDelayIssue",` +
	`"request":{"content_type":"application/json","envelope":{"MerchantID":"2000132","RqHeader":{"Timestamp":1735787045},"Data":"x"},` +
	`"decrypted":true,"data":{"MerchantID":"2000132","Tsr":"T1"}},` +
	`"response":{"status":200,"content_type":"application/json","envelope":{"TransCode":1,"TransMsg":"","Data":"y","RpHeader":{"Timestamp":1735787045}},` +
	`"decrypted":true,"data":{"RtnCode":1,"RtnMsg":"ok"}},"duration_ns":1000}`

func TestReadRecording(t *testing.T) {
	type result struct {
		line int
		err  string // part of the error; "" for an exchange
	}
	tests := []struct {
		name  string
		input string
		want  []result
	}{
		{"one line", goodLine + "\n", []result{{1, ""}}},
		{"no final newline", goodLine, []result{{1, ""}}},
		{"blank lines skipped", "\n" + goodLine + "\n\n  \n" + goodLine + "\n", []result{{2, ""}, {5, ""}}},
		{"CRLF", goodLine + "\r\n" + goodLine + "\r\n", []result{{1, ""}, {2, ""}}},
		{"a bad line between good ones", goodLine + "\nnot json\n" + goodLine + "\n", []result{{1, ""}, {2, "not an exchange: invalid character"}, {3, ""}}},
		{"cut off at the end", goodLine + "\n" + goodLine[:100], []result{{1, ""}, {2, "the line is cut off (was the recording interrupted"}}},
		{"cut off, then appended to", goodLine + "\n" + goodLine[:100] + goodLine + "\n" + goodLine + "\n", []result{{1, ""}, {2, "the line is torn: its first 100 bytes are an exchange cut off"}, {3, ""}}},
		{"cut off in a string, then appended to", goodLine[:20] + goodLine + "\n", []result{{1, "the line is torn: its first 20 bytes"}}},
		{"cut off after a member, then appended to", goodLine[:strings.Index(goodLine, `,"method"`)] + goodLine, []result{{1, "the line is torn"}}},
		{"unknown member", strings.Replace(goodLine, `"method"`, `"verb":1,"method"`, 1), []result{{1, `unknown field "verb"`}}},
		{"no time", strings.Replace(goodLine, `"time":"2025-01-02T03:04:05Z",`, "", 1), []result{{1, `"time" is missing`}}},
		{"a bad time", strings.Replace(goodLine, `"2025-01-02T03:04:05Z"`, `"yesterday"`, 1), []result{{1, `"time" must be an RFC 3339 time string`}}},
		{"a status that is a string", strings.Replace(goodLine, `"status":200`, `"status":"200"`, 1), []result{{1, `"response.status" must be an integer, not a JSON string`}}},
		{"no status", strings.Replace(goodLine, `"status":200,`, "", 1), []result{{1, `"response" "status" 0 is not an HTTP status`}}},
		{"a relative path", strings.Replace(goodLine, `"path":"/B2CInvoice`, `"path":"B2CInvoice`, 1), []result{{1, `"path" must begin with "/"`}}},
		{"two bodies", strings.Replace(goodLine, `"content_type":"application/json","envelope"`, `"text":"x","envelope"`, 1), []result{{1, `more than one of "envelope", "text"`}}},
		{"JSON as text", strings.Replace(goodLine, `"envelope":{"TransCode"`, `"text":"{}","x":{"TransCode"`, 1), []result{{1, `unknown field "x"`}}},
		{"Data without decrypted", strings.Replace(goodLine, `"decrypted":true,"data":{"MerchantID"`, `"data":{"MerchantID"`, 1), []result{{1, `needs "decrypted"`}}},
		{"a bad side", strings.Replace(goodLine, `"duration_ns":1000`, `"duration_ns":1000,"violations":[{"side":"both","where":"data","pointer":"","reason":"x"}]`, 1), []result{{1, `"side" "both"`}}},
		{"two values", goodLine + " {}", []result{{1, "more than one JSON value"}}},
		{"an array", "[]", []result{{1, `a line must be a JSON object, not a JSON array`}}},
		{"too long", goodLine + "\n" + strings.Repeat(" ", proxy.MaxRecordingLine+1) + "x\n" + goodLine, []result{{1, ""}, {2, "longer than 32 MiB"}, {3, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []result
			for line, err := range proxy.ReadRecording(strings.NewReader(tt.input)) {
				r := result{line: line.Number}
				if err != nil {
					var lineErr *proxy.RecordingError
					if !errors.As(err, &lineErr) || lineErr.Line != line.Number {
						t.Errorf("error %v is not a RecordingError of line %d", err, line.Number)
					}
					r.err = err.Error()
				}
				got = append(got, r)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.line != w.line || (w.err == "") != (g.err == "") || !strings.Contains(g.err, w.err) {
					t.Errorf("line %d: %q; want line %d with %q", g.line, g.err, w.line, w.err)
				}
				if g.err != "" && !strings.HasPrefix(g.err, "ecpaysim: recording line ") {
					t.Errorf("error %q does not name the line", g.err)
				}
			}
		})
	}
}

// Reading stops after an I/O error, yielding it.
func TestReadRecordingReadError(t *testing.T) {
	boom := errors.New("disk gone")
	var errs []error
	for _, err := range proxy.ReadRecording(iotest.ErrReader(boom)) {
		errs = append(errs, err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], boom) {
		t.Errorf("errors %v, want one wrapping %v", errs, boom)
	}
	// Not a line's fault: callers that go on after a bad line must stop.
	if _, ok := errors.AsType[*proxy.RecordingError](errs[0]); ok {
		t.Errorf("the read error %v is a RecordingError, the type of a bad line", errs[0])
	}
}

// A range loop that stops early stops the reading.
func TestReadRecordingStopsEarly(t *testing.T) {
	n := 0
	for range proxy.ReadRecording(strings.NewReader(goodLine + "\n" + goodLine + "\n")) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("%d lines", n)
	}
}

func TestOpenRecording(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new.jsonl")
	for range 2 {
		f, err := proxy.OpenRecording(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(goodLine + "\n"); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o, want 0600", info.Mode().Perm())
	}
	if b, _ := os.ReadFile(path); string(b) != goodLine+"\n"+goodLine+"\n" {
		t.Errorf("the second open did not append: %q", b)
	}
	if runtime.GOOS == "windows" {
		return
	}
	shared := filepath.Join(dir, "shared.jsonl")
	if err := os.WriteFile(shared, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := proxy.OpenRecording(shared); err == nil || !strings.Contains(err.Error(), "may be read by others (mode 0644)") {
		t.Errorf("OpenRecording of a 0644 file: %v", err)
	}
	if _, err := proxy.OpenRecording(filepath.Join(dir, "no", "such", "dir")); err == nil || !strings.HasPrefix(err.Error(), "ecpaysim: opening the recording: ") {
		t.Errorf("OpenRecording in a missing directory: %v", err)
	}
}

// A recording whose last line a crash cut off is mended before it is
// appended to: the line is cut off, or given its newline when it is a
// whole exchange; OpenRecording refuses to append to it before.
func TestRepairRecording(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, content, want string
		torn                *proxy.TornLine
	}{
		{"no file", "", "", nil},
		{"empty", "\x00", "", nil},
		{"whole", goodLine + "\n" + goodLine + "\n", goodLine + "\n" + goodLine + "\n", nil},
		{"cut off", goodLine + "\n" + goodLine + "\n" + goodLine[:100], goodLine + "\n" + goodLine + "\n", &proxy.TornLine{Line: 3, Offset: 2 * int64(len(goodLine)+1), Bytes: 100}},
		{"cut off, the only line", goodLine[:1], "", &proxy.TornLine{Line: 1, Offset: 0, Bytes: 1}},
		{"a line longer than a read, cut off", goodLine + "\n" + strings.Repeat(" ", 100<<10) + goodLine[:10], goodLine + "\n", &proxy.TornLine{Line: 2, Offset: int64(len(goodLine) + 1), Bytes: 100<<10 + 10}},
		{"whole without its newline", goodLine + "\n" + goodLine, goodLine + "\n" + goodLine + "\n", &proxy.TornLine{Line: 2, Offset: int64(len(goodLine) + 1), Bytes: int64(len(goodLine)), Whole: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".jsonl")
			if tt.content != "" {
				content := strings.TrimPrefix(tt.content, "\x00")
				if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
				if f, err := proxy.OpenRecording(path); tt.torn == nil && err != nil {
					t.Errorf("OpenRecording before: %v", err)
				} else if tt.torn != nil && (err == nil || !strings.Contains(err.Error(), "without a newline")) {
					t.Errorf("OpenRecording before the repair: %v, want a refusal naming the line without a newline", err)
				} else if f != nil {
					f.Close()
				}
			}
			torn, err := proxy.RepairRecording(path)
			if err != nil || !reflect.DeepEqual(torn, tt.torn) {
				t.Fatalf("RepairRecording = %+v, %v; want %+v", torn, err, tt.torn)
			}
			if tt.content == "" {
				return
			}
			if b, _ := os.ReadFile(path); string(b) != tt.want {
				t.Errorf("the recording is %.200q, want %.200q", b, tt.want)
			}
			f, err := proxy.OpenRecording(path)
			if err != nil {
				t.Fatalf("OpenRecording after the repair: %v", err)
			}
			defer f.Close()
			if _, err := f.WriteString(goodLine + "\n"); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(path)
			for line, err := range proxy.ReadRecording(bytes.NewReader(b)) {
				if err != nil {
					t.Errorf("line %d after the repair and an append: %v", line.Number, err)
				}
			}
		})
	}
}

// A recording made before the pages changed is checked against the pages
// as they are: a violation they now find is reported, one they no longer
// find is not, and one that needed the keys (Data that did not decrypt)
// is kept as recorded.
func TestCheckExchangeAgainstThePagesOfNow(t *testing.T) {
	var ex proxy.Exchange
	if err := json.Unmarshal([]byte(goodLine), &ex); err != nil {
		t.Fatal(err)
	}
	ex.Request.Data = json.RawMessage(`{"MerchantID":"2000132","Tsr":"` + strings.Repeat("T", 31) + `"}`)
	decrypt := proxy.RecordedViolation{Side: proxy.SideResponse, Where: proxy.WhereData}
	decrypt.Rule, decrypt.Reason = "decrypt", "Data does not decrypt"
	stale := proxy.RecordedViolation{Side: proxy.SideRequest, Where: proxy.WhereData}
	stale.Pointer, stale.Rule, stale.Reason = "/Tsr", "pattern", "an old rule"
	ex.Violations = []proxy.RecordedViolation{stale, decrypt}
	// The recorded time is far from the Timestamp: the window is checked
	// against it, not against today.
	ex.Time = ex.Time.Add(ecpaysim.TimestampWindow + 1e9)
	got, err := proxy.CheckExchange(ex)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"request envelope#/RqHeader/Timestamp timestamp-window", "request data#/Tsr maxLength", "response data# decrypt"}
	if !slices.Equal(brief(got), want) || got[2] != decrypt {
		t.Errorf("CheckExchange: %v, want %q", got, want)
	}
	if s := got[1].String(); s != "request data#/Tsr: maxLength: maximum string length is 30" {
		t.Errorf("String() = %q", s)
	}
}

// FuzzReadRecording reads arbitrary files as recordings, as users give
// them to validate and to --replay. No input may panic; every line it
// accepts must survive writing and reading again unchanged, be checked
// by CheckExchange without error, and be served by a Replay. Seeds: the
// f.Add calls and testdata/fuzz/FuzzReadRecording.
func FuzzReadRecording(f *testing.F) {
	f.Add([]byte(goodLine + "\n"))
	f.Add([]byte(goodLine + "\nnot json\n\n" + goodLine))
	f.Add([]byte(`{"time":"2025-01-02T03:04:05Z","method":"GET","path":"/x","request":{"base64":"/w=="},"response":{"status":502,"text":"<html>"},"upstream_failure":"HTTP 502"}`))
	f.Add([]byte(`{"time":"2025-01-02T03:04:05Z","method":"POST","path":"/B2CInvoice/TriggerIssue","request":{"envelope":[],"decrypted":true,"data_base64":"/w=="},"response":{"status":200,"envelope":{"TransCode":"1","Data":1}},"violations":[{"side":"request","where":"http","pointer":"","reason":""}]}`))
	f.Fuzz(func(t *testing.T, input []byte) {
		for line, err := range proxy.ReadRecording(bytes.NewReader(input)) {
			if err != nil {
				var lineErr *proxy.RecordingError
				if !errors.As(err, &lineErr) || lineErr.Line != line.Number || line.Number < 1 {
					t.Fatalf("error %v of line %d", err, line.Number)
				}
				continue
			}
			once := writeLine(t, line.Exchange)
			again := readLine(t, once)
			if twice := writeLine(t, again); !bytes.Equal(once, twice) {
				t.Fatalf("line %d changes when written again:\n%s\n%s", line.Number, once, twice)
			}
			if !reflect.DeepEqual(readLine(t, once), again) {
				t.Fatalf("line %d reads differently", line.Number)
			}
			if _, err := proxy.CheckExchange(line.Exchange); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := proxy.NewReplay(bytes.NewReader(input)); err != nil {
			if _, ok := errors.AsType[*proxy.RecordingError](err); !ok {
				t.Fatalf("NewReplay: %v, not a RecordingError", err)
			}
		}
	})
}

// writeLine encodes ex as a Proxy writes a line of a recording.
func writeLine(t *testing.T, ex proxy.Exchange) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ex); err != nil {
		t.Fatalf("encoding %+v: %v", ex, err)
	}
	return buf.Bytes()
}

// readLine reads a recording of one line, which must be an exchange.
func readLine(t *testing.T, line []byte) proxy.Exchange {
	t.Helper()
	var out []proxy.Exchange
	for l, err := range proxy.ReadRecording(bytes.NewReader(line)) {
		if err != nil {
			t.Fatalf("reading %s again: %v", line, err)
		}
		out = append(out, l.Exchange)
	}
	if len(out) != 1 {
		t.Fatalf("%s reads as %d exchanges", line, len(out))
	}
	return out[0]
}
