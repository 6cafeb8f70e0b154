package proxy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim/proxy"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/wrapper"
)

// outcome is what a call gave, for comparing a replay with the recording.
type outcome struct {
	RtnCode   int
	RtnMsg    string
	Data      string // the decrypted answer, as JSON
	Error     string // the kind of error, "" for none
	Timestamp time.Time
}

// lifecycleCalls are distinct requests of both operations, each answered
// differently by a simulator with C1, T1, T2:2:3 and X1 registered.
var lifecycleCalls = []struct {
	name string
	call func(c *wrapper.Client) outcome
}{
	{"cancel C1", func(c *wrapper.Client) outcome {
		res, err := c.CancelDelayIssue(context.Background(), wrapper.CancelDelayIssueRequest{Tsr: "C1"})
		return outcomeOf(res, err)
	}},
	{"trigger T1", func(c *wrapper.Client) outcome {
		res, err := c.TriggerIssue(context.Background(), wrapper.TriggerIssueRequest{Tsr: "T1", PayType: "2"})
		return outcomeOf(res, err)
	}},
	{"trigger T2", func(c *wrapper.Client) outcome {
		res, err := c.TriggerIssue(context.Background(), wrapper.TriggerIssueRequest{Tsr: "T2", PayType: "2"})
		return outcomeOf(res, err)
	}},
	{"trigger an unknown Tsr", func(c *wrapper.Client) outcome {
		res, err := c.TriggerIssue(context.Background(), wrapper.TriggerIssueRequest{Tsr: "NONE", PayType: "2"})
		return outcomeOf(res, err)
	}},
	{"cancel the issued T1", func(c *wrapper.Client) outcome {
		res, err := c.CancelDelayIssue(context.Background(), wrapper.CancelDelayIssueRequest{Tsr: "T1"})
		return outcomeOf(res, err)
	}},
	{"Call CancelDelayIssue X1", func(c *wrapper.Client) outcome {
		res, err := c.Call(context.Background(), "CancelDelayIssue", json.RawMessage(`{"Tsr":"X1"}`))
		if err != nil {
			return outcome{Error: wrapper.ErrorKind(err)}
		}
		return outcome{RtnCode: res.RtnCode, RtnMsg: res.RtnMsg, Data: string(res.Data), Timestamp: res.Timestamp}
	}},
}

func outcomeOf[T any](res *wrapper.Result[T], err error) outcome {
	if err != nil {
		o := outcome{Error: wrapper.ErrorKind(err)}
		if apiErr, ok := errors.AsType[*wrapper.APIError](err); ok {
			o.RtnCode, o.RtnMsg = apiErr.RtnCode, apiErr.RtnMsg
		}
		return o
	}
	data, _ := json.Marshal(res.Data)
	return outcome{RtnCode: res.RtnCode, RtnMsg: res.RtnMsg, Data: string(data), Timestamp: res.Timestamp}
}

// Recorded through the Proxy against ecpay-sim in another process, then
// replayed with the upstream stopped and the clock an hour on: the same
// codes, messages and decrypted Data, each answer stamped with the
// replay's time, and none of it a violation; a request not recorded gets a
// refusal naming the closest one recorded.
func TestRecordThenReplay(t *testing.T) {
	sim := startSimProcess(t, "--quiet", "--delayed", "C1", "--delayed", "T1", "--delayed", "T2:2:3", "--delayed", "X1")
	path := filepath.Join(t.TempDir(), "recording.jsonl")
	f, err := proxy.OpenRecording(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := proxy.New(sim.URL, proxy.WithRecording(f))
	if err != nil {
		t.Fatal(err)
	}
	proxied := httptest.NewServer(p.Handler())
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(proxied.URL))
	if err != nil {
		t.Fatal(err)
	}
	var recorded []outcome
	for _, c := range lifecycleCalls {
		recorded = append(recorded, c.call(client))
	}
	proxied.Close()
	p.CloseIdleConnections()
	sim.Stop()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the recording: %v, %v; want mode 0600", info, err)
	}
	if want := []int{1, 4000004, 4000003, 4000001, 5070305, 1}; !reflect.DeepEqual(codes(recorded), want) {
		t.Fatalf("recorded the codes %v, want %v", codes(recorded), want)
	}

	later := time.Now().Add(time.Hour).Truncate(time.Second)
	clock := func() time.Time { return later }
	f, err = os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rp, err := proxy.NewReplay(f, proxy.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	replayed := httptest.NewServer(rp.Handler())
	defer replayed.Close()
	client, err = wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(replayed.URL), wrapper.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range lifecycleCalls {
		t.Run(c.name, func(t *testing.T) {
			got, want := c.call(client), recorded[i]
			if want.Error == "" {
				if !got.Timestamp.Equal(later) || want.Timestamp.Equal(later) {
					t.Errorf("answered at %v, recorded at %v; want the replay's clock, %v", got.Timestamp, want.Timestamp, later)
				}
				got.Timestamp, want.Timestamp = time.Time{}, time.Time{}
			}
			if got != want {
				t.Errorf("replayed %+v, recorded %+v", got, want)
			}
		})
	}
	_, err = client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "T9", PayType: "2"})
	httpErr, ok := errors.AsType[*wrapper.HTTPError](err)
	if !ok || httpErr.StatusCode != http.StatusNotFound ||
		!strings.Contains(httpErr.Body, `no recorded answer for this TriggerIssue request; the closest recorded TriggerIssue request, on line 3 of the recording, differs in "Tsr"`) {
		t.Errorf("an unrecorded TriggerIssue: %v", err)
	}
	want := proxy.Summary{
		Mode: proxy.ModeReplay, Merchants: []string{ecpaysim.StageMerchantID}, Exchanges: len(lifecycleCalls) + 1,
		ViolationsBySide: map[string]map[string]int{},
		Replay:           &proxy.ReplayCounts{Loaded: len(lifecycleCalls), Served: len(lifecycleCalls), Unmatched: 1},
	}
	a := send(t, http.MethodGet, replayed.URL+"/_sim/state", "", nil)
	var state proxy.Summary
	if err := json.Unmarshal(a.body, &state); err != nil || !reflect.DeepEqual(state, want) {
		t.Errorf("state %s, want %+v", a.body, want)
	}
	recording, _ := os.ReadFile(path)
	noKeys(t, map[string]string{"the recording": string(recording), "the state": string(a.body), "the upstream's stderr": sim.Stderr.String()})
	if a := send(t, http.MethodPost, replayed.URL+"/_sim/delayed", "application/json", []byte(`{}`)); a.status != http.StatusNotFound || !strings.Contains(string(a.body), "replay of a recording") {
		t.Errorf("POST /_sim/delayed: HTTP %d %q", a.status, a.body)
	}
}

func codes(os []outcome) []int {
	var out []int
	for _, o := range os {
		out = append(out, o.RtnCode)
	}
	return out
}

// record runs calls through a Proxy to upstream and returns the recording.
func record(t *testing.T, upstream string, calls func(proxyURL string)) string {
	t.Helper()
	p := newTestProxy(t, upstream)
	calls(p.URL)
	return p.Recording.String()
}

// newTestReplay serves recording on a local port.
func newTestReplay(t *testing.T, recording string, opts ...proxy.ReplayOption) (*proxy.Replay, string) {
	t.Helper()
	rp, err := proxy.NewReplay(strings.NewReader(recording), opts...)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(rp.Handler())
	t.Cleanup(hs.Close)
	return rp, hs.URL
}

// Of the same request recorded twice, the latest answer is replayed, for a
// request sent at another time.
func TestReplayLatestWins(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	mustAdd(t, sim, ecpaysim.StageMerchantID, "L1")
	recording := record(t, sim.URL, func(url string) {
		c, _ := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(url))
		for range 2 {
			_, _ = c.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "L1"})
		}
	})
	_, url := newTestReplay(t, recording)
	c, _ := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV,
		wrapper.WithBaseURL(url), wrapper.WithClock(func() time.Time { return time.Now().Add(5 * time.Minute) }))
	_, err := c.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "L1"})
	if apiErr, ok := errors.AsType[*wrapper.APIError](err); !ok || apiErr.RtnCode != wrapper.RtnCodeNoUpdatableTsr {
		t.Errorf("replayed %v, want the second answer, RtnCode %d", err, wrapper.RtnCodeNoUpdatableTsr)
	}
}

// A recorded upstream failure is replayed as it was recorded: status,
// Content-Type and body, counted as an upstream failure.
func TestReplayUpstreamFailures(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env struct{ Data string }
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &env)
		plaintext, _ := decryptStage(env.Data)
		if strings.Contains(plaintext, "HTML") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>bad gateway</html>")
			return
		}
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte{0xff, 0xfe, 'n', 'o'})
	}))
	defer upstream.Close()
	bodyFor := func(tsr string) []byte {
		return envelope(time.Now(), stageData(t, innerJSON(cancelOp, ecpaysim.StageMerchantID, tsr)))
	}
	var live []rawAnswer
	recording := record(t, upstream.URL, func(url string) {
		for _, tsr := range []string{"HTML", "RATE"} {
			live = append(live, send(t, http.MethodPost, url+cancelOp.Path, "application/json", bodyFor(tsr)))
		}
	})
	upstream.Close()
	rp, url := newTestReplay(t, recording)
	for i, tsr := range []string{"HTML", "RATE"} {
		got := send(t, http.MethodPost, url+cancelOp.Path, "application/json", bodyFor(tsr))
		if got.status != live[i].status || !bytes.Equal(got.body, live[i].body) || got.header.Get("Content-Type") != live[i].header.Get("Content-Type") {
			t.Errorf("%s: replayed HTTP %d %q %q, recorded HTTP %d %q %q", tsr, got.status, got.header.Get("Content-Type"), got.body,
				live[i].status, live[i].header.Get("Content-Type"), live[i].body)
		}
	}
	if s := rp.Summary(); s.UpstreamFailures != 2 || s.Violations != 0 || s.Replay.Served != 2 {
		t.Errorf("summary %+v %+v", s, s.Replay)
	}
}

func decryptStage(data string) (string, error) {
	c, err := ecpaycrypto.New(ecpaysim.StageHashKey, ecpaysim.StageHashIV)
	if err != nil {
		return "", err
	}
	p, err := c.Decrypt(data)
	return string(p), err
}

// A request the Replay cannot answer gets 404 text/plain saying why: none
// of its operation recorded, a merchant without keys, Data that does not
// decrypt, a path of no operation; each is counted as unmatched.
func TestReplayUnmatched(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	recording := record(t, sim.URL, func(url string) {
		c, _ := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(url))
		_, _ = c.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "U1", PayType: "2"})
		// Recorded without Data: the proxy has no keys for 2000133.
		send(t, http.MethodPost, url+cancelOp.Path, "application/json", envelope(time.Now(), "xx", func(m map[string]any) { m["MerchantID"] = "2000133" }))
	})
	rp, url := newTestReplay(t, recording)
	now := time.Now()
	tests := []struct {
		name, path string
		body       []byte
		want       string
	}{
		{"an operation not recorded", cancelOp.Path, envelope(now, stageData(t, innerJSON(cancelOp, ecpaysim.StageMerchantID, "U1"))),
			"no recorded answer for this CancelDelayIssue request: the recording has no CancelDelayIssue request with a decrypted Data (1 without"},
		{"another merchant", triggerOp.Path, envelope(now, stageData(t, innerJSON(triggerOp, ecpaysim.StageMerchantID, "U1")), func(m map[string]any) { m["MerchantID"] = "2000133" }),
			`the keys of merchant "2000133" were not given to the replay`},
		{"Data that does not decrypt", triggerOp.Path, envelope(now, encrypt(t, otherKey, otherIV, "{}")), "does not decrypt with the keys of merchant 2000132"},
		{"Data that is not JSON", triggerOp.Path, envelope(now, stageData(t, "Tsr=U1")), "decrypted Data is not JSON"},
		{"a path of no operation", "/B2CInvoice/NoSuchOperation", envelope(now, stageData(t, "{}")), "no operation of the pages has this path"},
		{"another Tsr and PayType", triggerOp.Path, envelope(now, stageData(t, innerJSON(triggerOp, ecpaysim.StageMerchantID, "U2", func(m map[string]any) { m["PayType"] = "3" }))),
			`the closest recorded TriggerIssue request, on line 1 of the recording, differs in "PayType", "Tsr"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, http.MethodPost, url+tt.path, "application/json", tt.body)
			if a.status != http.StatusNotFound || !strings.Contains(string(a.body), tt.want) || a.header.Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Errorf("HTTP %d %q %q, want 404 text/plain with %q", a.status, a.header.Get("Content-Type"), a.body, tt.want)
			}
			if strings.Contains(string(a.body), "U1") || strings.Contains(string(a.body), "U2") {
				t.Errorf("the refusal %q repeats a value of the Data", a.body)
			}
		})
	}
	if s := rp.Summary(); s.Replay.Unmatched != len(tests) || s.Replay.Served != 0 || s.Replay.Loaded != 2 || s.Exchanges != len(tests) {
		t.Errorf("summary %+v %+v", s, s.Replay)
	}
}

// Replayed requests are checked as live ones: a stale Timestamp still
// matches (it is not part of the request), and is counted as a violation.
func TestReplayChecksRequests(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	mustAdd(t, sim, ecpaysim.StageMerchantID, "S1")
	data := stageData(t, innerJSON(cancelOp, ecpaysim.StageMerchantID, "S1"))
	recording := record(t, sim.URL, func(url string) {
		send(t, http.MethodPost, url+cancelOp.Path, "application/json", envelope(time.Now(), data))
	})
	rp, url := newTestReplay(t, recording)
	a := send(t, http.MethodPost, url+cancelOp.Path, "application/json", envelope(time.Now().Add(-time.Hour), data))
	if a.status != http.StatusOK {
		t.Fatalf("HTTP %d %s", a.status, a.body)
	}
	if s := rp.Summary(); s.Replay.Served != 1 || s.Violations != 1 || s.ViolationsBySide["request"]["timestamp-window"] != 1 {
		t.Errorf("summary %+v", s)
	}
}

// The answer is re-sealed, its members kept in their order: only
// RpHeader.Timestamp and, for TransCode 1, Data change.
func TestReplayReseals(t *testing.T) {
	data := stageData(t, `{"RtnCode":1,"RtnMsg":"ok","Extra":[1,2]}`)
	answer := fmt.Sprintf(`{"TransMsg":"","Data":%q,"RpHeader":{"Timestamp":1000,"Other":"x"},"TransCode":1,"MerchantID":2000132}`, data)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, answer)
	}))
	req := envelope(time.Now(), stageData(t, innerJSON(cancelOp, ecpaysim.StageMerchantID, "R1")))
	recording := record(t, upstream.URL, func(url string) { send(t, http.MethodPost, url+cancelOp.Path, "application/json", req) })
	upstream.Close()
	at := time.Unix(2000000000, 0)
	_, url := newTestReplay(t, recording, proxy.WithClock(func() time.Time { return at }))
	a := send(t, http.MethodPost, url+cancelOp.Path, "application/json", envelope(at, stageData(t, innerJSON(cancelOp, ecpaysim.StageMerchantID, "R1"))))
	var got struct{ Data string }
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatalf("HTTP %d %s", a.status, a.body)
	}
	plaintext, err := decryptStage(got.Data)
	if err != nil || plaintext != `{"RtnCode":1,"RtnMsg":"ok","Extra":[1,2]}` {
		t.Errorf("Data decrypts to %q, %v", plaintext, err)
	}
	want := fmt.Sprintf(`{"TransMsg":"","Data":%q,"RpHeader":{"Timestamp":2000000000,"Other":"x"},"TransCode":1,"MerchantID":2000132}`, got.Data)
	if string(a.body) != want {
		t.Errorf("replayed %s\nwant     %s", a.body, want)
	}
}

func TestNewReplayRejects(t *testing.T) {
	good := record(t, ecpaysimtest.NewServer(t).URL, func(url string) {
		send(t, http.MethodPost, url+cancelOp.Path, "application/json", []byte("{}"))
	})
	tests := []struct {
		name, recording string
		opts            []proxy.ReplayOption
		want            string
	}{
		{"a bad second line", good + "{\"time\":1}\n", nil, `ecpaysim: recording line 2: not an exchange: "time" must be`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := proxy.NewReplay(strings.NewReader(tt.recording), tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewReplay: %v, want %q", err, tt.want)
			}
		})
	}
	var lineErr *proxy.RecordingError
	if _, err := proxy.NewReplay(strings.NewReader(good + "\n\n[]\n")); !errors.As(err, &lineErr) || lineErr.Line != 4 {
		t.Errorf("NewReplay with line 4 bad: %v", err)
	}
}
