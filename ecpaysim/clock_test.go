package ecpaysim_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/wrapper"
)

// Advance and AdvanceTo move a fixed WithClock forward and never back; the
// client of ecpaysimtest follows the moved clock, so its requests stay in
// the Timestamp window and the answers carry the moved time.
func TestAdvanceMovesAFixedClock(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	if got := sim.Now(); !got.Equal(testNow) {
		t.Fatalf("Now() = %s before any move, want WithClock's %s", got, testNow)
	}
	steps := []struct {
		name    string
		move    func() (time.Time, error)
		want    time.Time
		backErr bool
	}{
		{"advance 72h", func() (time.Time, error) { return sim.Advance(72 * time.Hour) }, testNow.Add(72 * time.Hour), false},
		{"advance 0", func() (time.Time, error) { return sim.Advance(0) }, testNow.Add(72 * time.Hour), false},
		{"advance -1s is refused", func() (time.Time, error) { return sim.Advance(-time.Second) }, testNow.Add(72 * time.Hour), true},
		{"to a day later", func() (time.Time, error) { return sim.AdvanceTo(testNow.Add(96 * time.Hour)) }, testNow.Add(96 * time.Hour), false},
		{"to the past is refused", func() (time.Time, error) { return sim.AdvanceTo(testNow) }, testNow.Add(96 * time.Hour), true},
	}
	for _, st := range steps {
		got, err := st.move()
		if st.backErr != errors.Is(err, ecpaysim.ErrClockBackwards) || (!st.backErr && err != nil) {
			t.Errorf("%s: error %v, want ErrClockBackwards %v", st.name, err, st.backErr)
		}
		if !got.Equal(st.want) || !sim.Now().Equal(st.want) || !sim.Clock()().Equal(st.want) {
			t.Errorf("%s: returned %s, Now %s, want %s", st.name, got, sim.Now(), st.want)
		}
	}
	if _, err := sim.AdvanceTo(testNow.AddDate(400, 0, 0)); err == nil || errors.Is(err, ecpaysim.ErrClockBackwards) {
		t.Errorf("AdvanceTo 400 years on: %v, want an error saying it is too far", err)
	}
	res, err := sim.Client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "NONE"})
	if apiErr, ok := errors.AsType[*wrapper.APIError](err); !ok || apiErr.RtnCode != wrapper.RtnCodeNoUpdatableTsr {
		t.Fatalf("CancelDelayIssue after the move: %v, %v; want RtnCode %d", res, err, wrapper.RtnCodeNoUpdatableTsr)
	}
	if r := sim.Requests()[0]; r.Envelope.RqHeader.Timestamp != int(testNow.Add(96*time.Hour).Unix()) ||
		!r.Received.Equal(testNow.Add(96*time.Hour)) {
		t.Errorf("request stamped %d, received %s; want the moved clock", r.Envelope.RqHeader.Timestamp, r.Received)
	}
}

// On time.Now the moved clock keeps running: it stays ahead by the move.
func TestAdvanceKeepsARunningClockRunning(t *testing.T) {
	sim, err := ecpaysim.New()
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(sim)
	t.Cleanup(hs.Close)
	before := time.Now()
	if _, err := sim.Advance(72 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := sim.Now(); got.Before(before.Add(72 * time.Hour)) {
		t.Errorf("Now() = %s, want at least %s", got, before.Add(72*time.Hour))
	}
	// A client on the wall clock is now 72 hours behind the simulator.
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV,
		wrapper.WithBaseURL(hs.URL))
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "T"})
	if e, ok := errors.AsType[*wrapper.TransError](err); !ok || e.TransCode != ecpaysim.TransCodeTimestampOutOfRange {
		t.Errorf("a client on the wall clock: %v, want TransCode %d", err, ecpaysim.TransCodeTimestampOutOfRange)
	}
}

func TestAdminClock(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	later := testNow.Add(72 * time.Hour)
	tests := []struct {
		name     string
		method   string
		body     string
		want     int
		wantNow  time.Time // for a 200
		wantText string    // in a 4xx
	}{
		{"get", http.MethodGet, "", http.StatusOK, testNow, ""},
		{"advance", http.MethodPost, `{"advance":"72h"}`, http.StatusOK, later, ""},
		{"advance 0", http.MethodPost, `{"advance":"0s"}`, http.StatusOK, later, ""},
		{"get after", http.MethodGet, "", http.StatusOK, later, ""},
		{"now", http.MethodPost, `{"now":"` + later.Add(time.Hour).Format(time.RFC3339) + `"}`, http.StatusOK, later.Add(time.Hour), ""},
		{"now in GMT+8", http.MethodPost, `{"now":"` + later.Add(2*time.Hour).In(time.FixedZone("GMT+8", 8*3600)).Format(time.RFC3339) + `"}`, http.StatusOK, later.Add(2 * time.Hour), ""},
		{"now in the past", http.MethodPost, `{"now":"` + testNow.Format(time.RFC3339) + `"}`, http.StatusConflict, time.Time{}, "only moves forward"},
		{"advance negative", http.MethodPost, `{"advance":"-1h"}`, http.StatusConflict, time.Time{}, "only moves forward"},
		{"advance in days", http.MethodPost, `{"advance":"3d"}`, http.StatusBadRequest, time.Time{}, `advance "3d" is not a duration`},
		{"now not RFC 3339", http.MethodPost, `{"now":"2026-06-17"}`, http.StatusBadRequest, time.Time{}, "not an RFC 3339 time"},
		{"both", http.MethodPost, `{"advance":"1h","now":"2026-06-17T12:00:00Z"}`, http.StatusBadRequest, time.Time{}, "one of them"},
		{"neither", http.MethodPost, `{}`, http.StatusBadRequest, time.Time{}, "one of them"},
		{"unknown member", http.MethodPost, `{"forward":"1h"}`, http.StatusBadRequest, time.Time{}, "one of them"},
		{"advance a number", http.MethodPost, `{"advance":3600}`, http.StatusBadRequest, time.Time{}, "one of them"},
		{"not JSON", http.MethodPost, `advance`, http.StatusBadRequest, time.Time{}, "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, sim.URL+"/_sim/clock", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want {
				t.Fatalf("HTTP %d %q, want %d", resp.StatusCode, body, tt.want)
			}
			if tt.want != http.StatusOK {
				if !strings.Contains(string(body), tt.wantText) || !strings.HasPrefix(string(body), "ecpaysim: ") {
					t.Errorf("body %q, want it to say %q", body, tt.wantText)
				}
				return
			}
			var got ecpaysim.ClockState
			if err := json.Unmarshal(body, &got); err != nil || !got.Now.Equal(tt.wantNow) || !sim.Now().Equal(tt.wantNow) {
				t.Errorf("answer %s (%v), Now %s; want %s", body, err, sim.Now(), tt.wantNow)
			}
		})
	}
}
