package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/internal/batch"
	"github.com/ecpay-go/einvoice/wrapper"
)

// reply is what messageServer answers: a TransCode other than 1 with
// transMsg, or TransCode 1 and Data holding rtnCode and rtnMsg.
type reply struct {
	transCode int
	transMsg  string
	rtnCode   int
	rtnMsg    string
}

// messageServer speaks ECPay's wire format for the stage merchant, with any
// message, of any length or content, that the simulator would refuse to
// send; it counts the requests for each Tsr.
type messageServer struct {
	*httptest.Server
	mu    sync.Mutex
	count map[string]int
}

func newMessageServer(t *testing.T, answer reply) *messageServer {
	t.Helper()
	codec, err := ecpaycrypto.New(wrapper.StageHashKey, wrapper.StageHashIV)
	if err != nil {
		t.Fatal(err)
	}
	s := &messageServer{count: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env generated.RequestEnvelope
		var data struct{ Tsr string }
		if err := json.NewDecoder(r.Body).Decode(&env); err != nil || codec.DecryptJSON(env.Data, &data) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.count[data.Tsr]++
		s.mu.Unlock()
		out := map[string]any{
			"MerchantID": env.MerchantID,
			"RpHeader":   map[string]any{"Timestamp": time.Now().Unix()},
			"TransCode":  1,
			"TransMsg":   "",
			"Data":       "",
		}
		if answer.transCode != 0 {
			out["TransCode"], out["TransMsg"] = answer.transCode, answer.transMsg
		} else {
			plain, _ := json.Marshal(map[string]any{"RtnCode": answer.rtnCode, "RtnMsg": answer.rtnMsg})
			if out["Data"], err = codec.Encrypt(plain); err != nil {
				t.Error(err)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *messageServer) requests(tsr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count[tsr]
}

// TestLongMessagesAreReadBack: a Tsr settled by an answer with a long
// message is skipped by a rerun, not sent again: every line the results
// file and the journal are given, they read back.
func TestLongMessagesAreReadBack(t *testing.T) {
	for name, answer := range map[string]reply{
		"a refused envelope with a TransMsg of 1 MB": {transCode: 10000006, transMsg: strings.Repeat("x", 1_000_000)},
		"a refusal with an RtnMsg of 40 KiB":         {rtnCode: 5_000_000, rtnMsg: strings.Repeat("查無", 40<<10/6)},
		"a success with an RtnMsg of 40 KiB":         {rtnCode: 1, rtnMsg: strings.Repeat("y", 40<<10)},
	} {
		t.Run(name, func(t *testing.T) {
			server := newMessageServer(t, answer)
			out := filepath.Join(t.TempDir(), "results.jsonl")
			args := []string{"cancel-delay-issue", "--base-url", server.URL, "--tsr", "LONG1", "--out", out}
			first := runBinary(t, invocation{args: args})
			second := runBinary(t, invocation{args: args})
			if n := server.requests("LONG1"); n != 1 {
				t.Errorf("LONG1 sent %d times, want once; rerun's stderr:\n%s", n, second.stderr)
			}
			if first.code != second.code {
				t.Errorf("exit status %d, then %d on the rerun", first.code, second.code)
			}
			rerun := parseResults(t, second.stdout)
			if len(rerun) != 1 || !rerun[0].Skipped {
				t.Errorf("rerun stdout %.300s, want LONG1 skipped", second.stdout)
			}
			for _, path := range batch.Files(out) {
				assertLinesWithin(t, path, batch.MaxRecordBytes)
			}
		})
	}
}

// assertLinesWithin fails t if a line of the file at path is longer than
// limit bytes.
func assertLinesWithin(t *testing.T, path string, limit int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadString('\n')
		if len(strings.TrimSuffix(line, "\n")) > limit {
			t.Errorf("%s: line %d has %d bytes, more than %d", path, n, len(line), limit)
		}
		if err != nil {
			return
		}
	}
}

// TestServerEchoingTheKey: a server that puts the merchant's keys and
// terminal escapes into its TransMsg or RtnMsg gets neither into stdout,
// stderr, the results file or the journal.
func TestServerEchoingTheKey(t *testing.T) {
	const hostile = "HashKey=" + wrapper.StageHashKey + " HashIV=" + wrapper.StageHashIV + "\x1b[2J\x1b]0;owned\x07\r\nforged: line"
	for name, answer := range map[string]reply{
		"in TransMsg":            {transCode: 10000006, transMsg: hostile},
		"in RtnMsg of a refusal": {rtnCode: 5_000_000, rtnMsg: hostile},
		"in RtnMsg of a success": {rtnCode: 1, rtnMsg: hostile},
	} {
		t.Run(name, func(t *testing.T) {
			server := newMessageServer(t, answer)
			out := filepath.Join(t.TempDir(), "results.jsonl")
			runs := []outcome{
				runBinary(t, invocation{args: []string{"call", "CancelDelayIssue", "--base-url", server.URL, "--data", `{"Tsr":"ECHO1"}`}}),
				runBinary(t, invocation{args: []string{"cancel-delay-issue", "--base-url", server.URL, "--tsr", "ECHO2", "--out", out}}),
			}
			texts := map[string]string{}
			for i, o := range runs {
				texts[[]string{"call", "batch"}[i]+" stdout"] = o.stdout
				texts[[]string{"call", "batch"}[i]+" stderr"] = o.stderr
			}
			for _, path := range batch.Files(out) {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				texts[filepath.Base(path)] = string(b)
			}
			for what, s := range texts {
				bads := []string{wrapper.StageHashKey, wrapper.StageHashIV, "\x1b", "\r", "\x07", "\nforged"}
				if what != "call stdout" {
					// call's data member is the answer's Data as sent,
					// with its escapes: text, safe to print.
					bads = append(bads, `\u001b`, `\r`, `\n`, `\u0007`)
				}
				for _, bad := range bads {
					if strings.Contains(s, bad) {
						t.Errorf("%s holds %q:\n%.400q", what, bad, s)
					}
				}
			}
			if !strings.Contains(texts["batch stdout"], "HashKey=[redacted] HashIV=[redacted]") {
				t.Errorf("batch stdout does not show the message redacted:\n%s", texts["batch stdout"])
			}
		})
	}
}

// TestEveryWrittenLineIsReadBack: a line of --file that is no Tsr, as long
// as a line may be and all control characters (six bytes each once
// encoded), gets a result line the rerun reads back, not one it ignores.
func TestEveryWrittenLineIsReadBack(t *testing.T) {
	server := newMessageServer(t, reply{rtnCode: 1})
	dir := t.TempDir()
	file, out := filepath.Join(dir, "tsrs.txt"), filepath.Join(dir, "results.jsonl")
	if err := os.WriteFile(file, []byte("OK1\n"+strings.Repeat("\x01", batch.MaxKeyBytes)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"cancel-delay-issue", "--base-url", server.URL, "--file", file, "--out", out}
	runBinary(t, invocation{args: args})
	rerun := runBinary(t, invocation{args: args})
	if strings.Contains(rerun.stderr, "ignored") {
		t.Errorf("the rerun ignores a line its first run wrote:\n%s", rerun.stderr)
	}
	for _, path := range batch.Files(out) {
		assertLinesWithin(t, path, batch.MaxRecordBytes)
	}
	if n := server.requests("OK1"); n != 1 {
		t.Errorf("OK1 sent %d times, want once", n)
	}
}
