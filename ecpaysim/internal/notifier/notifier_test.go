package notifier_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/notifier"
	"github.com/ecpay-go/einvoice/notify"
)

var (
	stage = notify.Keys{MerchantID: "2000132", HashKey: "ejCk326UnaZWKisg", HashIV: "q9jcZX8Ib9LM8wYk"}
	clock = time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
)

var issued = notify.Invoiced{
	MerchantID: stage.MerchantID, RtnCode: notify.RtnCodeOK, RtnMsg: "開立發票成功", Tsr: "TSR0001", RelateNumber: "R0001",
	InvoiceNo: "AB12345678", InvoiceDate: clock, RandomNumber: "1234",
}

// noWait is a sleep that records how long it was asked to wait and returns
// at once: retries without sleeping in tests.
type noWait struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *noWait) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func newNotifier(t *testing.T, opts ...notifier.Option) (*notifier.Notifier, *noWait) {
	t.Helper()
	s := &noWait{}
	n := notifier.New(append([]notifier.Option{notifier.WithSleep(s.sleep), notifier.WithClock(func() time.Time { return clock })}, opts...)...)
	t.Cleanup(n.Close)
	return n, s
}

// receiver serves notify's handlers, as an application would, and keeps
// what they hand it.
type receiver struct {
	*httptest.Server
	mu        sync.Mutex
	invoiced  []notify.Invoiced
	allowance []notify.AllowanceAgreed
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	kr, err := notify.NewKeyring(stage)
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{}
	mux := http.NewServeMux()
	mux.Handle("/invoiced", notify.InvoicedHandler(kr, func(_ context.Context, v notify.Invoiced) error {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.invoiced = append(rc.invoiced, v)
		return nil
	}))
	mux.Handle("/allowance", notify.AllowanceHandler(kr, func(_ context.Context, a notify.AllowanceAgreed) error {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.allowance = append(rc.allowance, a)
		return nil
	}))
	rc.Server = httptest.NewServer(mux)
	t.Cleanup(rc.Close)
	return rc
}

// TestDeliversTypedValues: what the notifier sends reaches the
// application's callbacks through notify's handlers as the same typed
// values, answered 1|OK at the first attempt.
func TestDeliversTypedValues(t *testing.T) {
	rc := newReceiver(t)
	n, _ := newNotifier(t)
	agreed := notify.AllowanceAgreed{RtnCode: 1, AllowanceNo: "2026120709300001", InvoiceNo: "AB12345678", Date: clock, RemainingAmount: 40}
	if _, err := n.Send(rc.URL+"/invoiced", issued, stage); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Send(rc.URL+"/allowance", agreed, stage); err != nil {
		t.Fatal(err)
	}
	n.Wait()

	if len(rc.invoiced) != 1 || !rc.invoiced[0].InvoiceDate.Equal(issued.InvoiceDate) {
		t.Fatalf("invoiced received: %+v", rc.invoiced)
	}
	got := rc.invoiced[0]
	got.InvoiceDate = issued.InvoiceDate
	if got != issued {
		t.Errorf("invoiced: got %+v\nwant %+v", got, issued)
	}
	agreed.MerchantID = stage.MerchantID // found by the keyring's only merchant
	if len(rc.allowance) != 1 || !rc.allowance[0].Date.Equal(clock) {
		t.Fatalf("allowance received: %+v", rc.allowance)
	}
	gotA := rc.allowance[0]
	gotA.Date = agreed.Date
	if gotA != agreed {
		t.Errorf("allowance: got %+v\nwant %+v", gotA, agreed)
	}
	for _, d := range n.Deliveries() {
		if !d.Delivered || !d.Done || d.Attempts != 1 || d.Status != 200 || d.Answer != "1|OK" || d.Error != "" || !d.Last.Equal(clock) {
			t.Errorf("delivery %+v, want delivered at the first attempt", d)
		}
	}
}

// TestForgedIsRefused: a notification signed with keys the application
// does not hold is refused by the handler, never reaches the callback, is
// tried as often as configured and recorded as not delivered, with the
// refusal and no key.
func TestForgedIsRefused(t *testing.T) {
	tests := map[string]notify.Keys{
		"wrong keys":       {MerchantID: stage.MerchantID, HashKey: "AAAAAAAAAAAAAAAA", HashIV: "BBBBBBBBBBBBBBBB"},
		"unknown merchant": {MerchantID: "3000001", HashKey: stage.HashKey, HashIV: stage.HashIV},
	}
	for name, keys := range tests {
		t.Run(name, func(t *testing.T) {
			rc := newReceiver(t)
			n, _ := newNotifier(t, notifier.WithAttempts(2))
			forged := issued
			forged.MerchantID = keys.MerchantID
			if _, err := n.Send(rc.URL+"/invoiced", forged, keys); err != nil {
				t.Fatal(err)
			}
			n.Wait()
			if len(rc.invoiced) != 0 {
				t.Errorf("the forged notification reached the application: %+v", rc.invoiced)
			}
			d := n.Deliveries()[0]
			if d.Delivered || !d.Done || d.Attempts != 2 || d.Status != http.StatusForbidden || !strings.HasPrefix(d.Answer, "0|") {
				t.Errorf("delivery %+v, want refused twice with 403 0|…", d)
			}
			if strings.Contains(d.Answer, keys.HashKey) || strings.Contains(d.Answer, stage.HashKey) {
				t.Errorf("the record shows a key: %+v", d)
			}
		})
	}
}

// TestFailingReceiverIsRetried: a receiver that fails is tried again after
// the backoff's waits; one that recovers gets the notification, one that
// never does is recorded as failed after the last attempt.
func TestFailingReceiverIsRetried(t *testing.T) {
	tests := map[string]struct {
		failures      int32
		wantAttempts  int
		wantDelivered bool
		wantWaits     []time.Duration
	}{
		"recovers at the third attempt": {failures: 2, wantAttempts: 3, wantDelivered: true, wantWaits: []time.Duration{time.Second, 2 * time.Second}},
		"never recovers":                {failures: 100, wantAttempts: notifier.DefaultAttempts, wantDelivered: false, wantWaits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) <= tt.failures {
					http.Error(w, "0|down", http.StatusServiceUnavailable)
					return
				}
				_, _ = w.Write([]byte(notify.AnswerOK))
			}))
			defer srv.Close()
			n, s := newNotifier(t)
			if _, err := n.Send(srv.URL, issued, stage); err != nil {
				t.Fatal(err)
			}
			n.Wait()
			d := n.Deliveries()[0]
			if d.Attempts != tt.wantAttempts || d.Delivered != tt.wantDelivered || !d.Done {
				t.Errorf("delivery %+v, want %d attempts, delivered %v", d, tt.wantAttempts, tt.wantDelivered)
			}
			if !tt.wantDelivered && (d.Status != http.StatusServiceUnavailable || !strings.HasPrefix(d.Answer, "0|down")) {
				t.Errorf("the failed delivery keeps %d %q, want the last answer", d.Status, d.Answer)
			}
			if len(s.waits) != len(tt.wantWaits) {
				t.Fatalf("waited %v, want %v", s.waits, tt.wantWaits)
			}
			for i := range s.waits {
				if s.waits[i] != tt.wantWaits[i] {
					t.Errorf("waited %v, want %v", s.waits, tt.wantWaits)
				}
			}
		})
	}
}

// TestTaken: only a 200 answered exactly 1|OK is taken, as ECPay requires.
func TestTaken(t *testing.T) {
	tests := []struct {
		status int
		answer string
		err    error
		want   bool
	}{
		{200, "1|OK", nil, true},
		{200, "1|OK\n", nil, false},
		{200, `"1|OK"`, nil, false},
		{200, "1|ok", nil, false},
		{200, "0|CheckMacValue does not match", nil, false},
		{500, "1|OK", nil, false},
		{0, "", errors.New("connection refused"), false},
	}
	for _, tt := range tests {
		if got := notifier.Taken(tt.status, tt.answer, tt.err); got != tt.want {
			t.Errorf("Taken(%d, %q, %v) = %v, want %v", tt.status, tt.answer, tt.err, got, tt.want)
		}
	}
}

// TestRecordsAreBounded: beyond the limit the oldest finished records go.
func TestRecordsAreBounded(t *testing.T) {
	rc := newReceiver(t)
	n, _ := newNotifier(t, notifier.WithLimit(3))
	for range 5 {
		if _, err := n.Send(rc.URL+"/invoiced", issued, stage); err != nil {
			t.Fatal(err)
		}
		n.Wait()
	}
	var ids []int
	for _, d := range n.Deliveries() {
		ids = append(ids, d.ID)
	}
	if len(ids) != 3 || ids[0] != 3 || ids[2] != 5 {
		t.Errorf("kept deliveries %v, want the last 3: [3 4 5]", ids)
	}
	if len(rc.invoiced) != 5 {
		t.Errorf("%d notifications received, want 5", len(rc.invoiced))
	}
}

// TestCloseCancels: Close cuts short a delivery whose receiver does not
// answer, returns, and refuses any further Send; Send never waits for the
// receiver; at most MaxInFlight deliveries are under way.
func TestCloseCancels(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	n, _ := newNotifier(t)
	for range notifier.MaxInFlight {
		if _, err := n.Send(srv.URL, issued, stage); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.Send(srv.URL, issued, stage); !errors.Is(err, notifier.ErrBusy) {
		t.Errorf("Send beyond MaxInFlight: %v, want ErrBusy", err)
	}
	n.Close()
	ds := n.Deliveries()
	if len(ds) != notifier.MaxInFlight+1 {
		t.Fatalf("%d records, want %d", len(ds), notifier.MaxInFlight+1)
	}
	for _, d := range ds {
		if d.Delivered || !d.Done || d.Error == "" {
			t.Errorf("after Close: %+v, want done, not delivered, with an error", d)
		}
	}
	if _, err := n.Send(srv.URL, issued, stage); !errors.Is(err, notifier.ErrClosed) {
		t.Errorf("Send after Close: %v, want ErrClosed", err)
	}
}

// TestSendRefusesBadURLs: only absolute http and https URLs are sent to,
// and only with the keys of the merchant the notification names.
func TestSendRefusesBadURLs(t *testing.T) {
	n, _ := newNotifier(t)
	for _, target := range []string{"", "/relative", "ftp://example.com/n", "http://", "::"} {
		if _, err := n.Send(target, issued, stage); err == nil {
			t.Errorf("Send(%q) = nil, want an error", target)
		}
	}
	if _, err := n.Send("http://example.com/n", issued, notify.Keys{MerchantID: "3000001", HashKey: "k", HashIV: "v"}); err == nil {
		t.Error("Send of merchant 2000132's notification with merchant 3000001's keys = nil, want an error")
	}
	if len(n.Deliveries()) != 0 {
		t.Errorf("refused sends were recorded: %+v", n.Deliveries())
	}
}
