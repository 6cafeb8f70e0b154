package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/internal/logkeys"
	"github.com/ecpay-go/einvoice/wrapper"
)

func TestShouldRetry(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	tests := map[string]struct {
		status int
		err    error
		want   bool
	}{
		"200 answered":                  {status: 200, want: false},
		"429 too many requests":         {status: 429, want: true},
		"503 unavailable":               {status: 503, want: true},
		"403 rate limit (wait instead)": {status: 403, want: false},
		"500 may have processed":        {status: 500, want: false},
		"502 bad gateway":               {status: 502, want: false},
		"504 gateway timeout":           {status: 504, want: false},
		"connection refused":            {err: dial, want: true},
		"refused inside url.Error":      {err: &url.Error{Op: "Post", URL: "http://x", Err: dial}, want: true},
		"bare ECONNREFUSED":             {err: syscall.ECONNREFUSED, want: true},
		"DNS failure":                   {err: &url.Error{Op: "Post", URL: "http://x", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}, want: true},
		"other dial failure":            {err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("network unreachable")}, want: true},
		"connection reset after write":  {err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, want: false},
		"unexpected EOF":                {err: fmt.Errorf("reading: %w", errors.New("unexpected EOF")), want: false},
		"deadline exceeded":             {err: &url.Error{Op: "Post", URL: "http://x", Err: context.DeadlineExceeded}, want: false},
		"cancelled":                     {err: context.Canceled, want: false},
		"dial cut short by deadline":    {err: &net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}, want: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := wrapper.ShouldRetry(tc.status, tc.err); got != tc.want {
				t.Errorf("ShouldRetry(%d, %v) = %v, want %v", tc.status, tc.err, got, tc.want)
			}
		})
	}
}

func TestRetryRepeatsOnlyWhatNeverReachedECPay(t *testing.T) {
	policy := wrapper.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	tests := map[string]struct {
		statuses     []int // the fake's answers in turn; 0 is a success
		wantAttempts int
		wantOK       bool
	}{
		"503 then success":         {statuses: []int{503, 0}, wantAttempts: 2, wantOK: true},
		"429 twice then success":   {statuses: []int{429, 429, 0}, wantAttempts: 3, wantOK: true},
		"503 until the last try":   {statuses: []int{503, 503, 503, 0}, wantAttempts: 3, wantOK: false},
		"403 is not retried":       {statuses: []int{403, 0}, wantAttempts: 1, wantOK: false},
		"500 is not retried":       {statuses: []int{500, 0}, wantAttempts: 1, wantOK: false},
		"TransCode is not retried": {statuses: []int{-1, 0}, wantAttempts: 1, wantOK: false},
		"RtnCode is not retried":   {statuses: []int{-2, 0}, wantAttempts: 1, wantOK: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			// The simulator answers each status in turn by a fault, a
			// success by cancelling the invoice.
			var faults []ecpaysim.Fault
			for _, s := range tc.statuses {
				switch s {
				case 0:
				case -1:
					faults = append(faults, ecpaysim.Fault{TransCode: 9, TransMsg: "busy"})
				case -2:
					faults = append(faults, ecpaysim.Fault{RtnCode: 9, RtnMsg: "refused"})
				default:
					faults = append(faults, ecpaysim.Fault{HTTPStatus: s})
				}
				if s == 0 {
					break
				}
			}
			sim := newSim(t, ecpaysim.WithClock(func() time.Time { return time.Unix(1_800_000_000, 0) }))
			pending(t, sim, "T1")
			inject(t, sim, faults...)
			var tick atomic.Int64
			clock := func() time.Time { return time.Unix(1_800_000_000+tick.Add(1), 0) }
			c := client(t, sim.URL, wrapper.WithRetry(policy), wrapper.WithClock(clock))
			_, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
			if (err == nil) != tc.wantOK {
				t.Errorf("err = %v, want ok=%v", err, tc.wantOK)
			}
			got := received(t, sim)
			if len(got) != tc.wantAttempts {
				t.Fatalf("%d attempts, want %d", len(got), tc.wantAttempts)
			}
			// Every attempt is rebuilt: a new Timestamp each time.
			for i := 1; i < len(got); i++ {
				if got[i].Envelope.RqHeader.Timestamp == got[i-1].Envelope.RqHeader.Timestamp {
					t.Errorf("attempt %d reused the Timestamp of attempt %d", i+1, i)
				}
			}
		})
	}
}

func TestRetryOnRefusedConnection(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := client(t, "http://"+addr, wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond}))
	_, err = c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
	var te *wrapper.TransportError
	if !errors.As(err, &te) || te.Attempts != 3 || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("err = %v, want a refused TransportError after 3 attempts", err)
	}
}

func TestRetryStopsAtTheDeadline(t *testing.T) {
	srv := plainServer(t, http.StatusServiceUnavailable, nil, "down")
	// The timeout must outlast the first attempt on a loaded machine, or
	// no attempt is made within it; the backoff is far longer still.
	c := client(t, srv.URL,
		wrapper.WithTimeout(time.Second),
		wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 100, InitialBackoff: time.Hour, MaxBackoff: time.Hour}))
	_, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the deadline to end the backoff", err)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("%d attempts within the deadline, want 1", n)
	}
}

// refusingAfterFirst passes the first request to next and refuses the
// connection of every later one, as a server that went down would.
type refusingAfterFirst struct {
	n    atomic.Int32
	next wrapper.HTTPDoer
}

func (d *refusingAfterFirst) Do(req *http.Request) (*http.Response, error) {
	if d.n.Add(1) > 1 {
		return nil, &url.Error{Op: "Post", URL: req.URL.String(), Err: &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}}
	}
	return d.next.Do(req)
}

// The log record reports what the last attempt got, not an earlier one's
// status.
func TestRetryRecordReportsTheLastAttempt(t *testing.T) {
	srv := plainServer(t, http.StatusServiceUnavailable, nil, "down")
	h := &recordHandler{}
	c := client(t, srv.URL,
		wrapper.WithHTTPClient(&refusingAfterFirst{next: http.DefaultClient}),
		wrapper.WithLogger(slog.New(h)),
		wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 2, InitialBackoff: time.Millisecond}))
	_, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
	var te *wrapper.TransportError
	if !errors.As(err, &te) || te.Attempts != 2 {
		t.Fatalf("err = %v, want a TransportError after 2 attempts", err)
	}
	if len(h.attrs) != 1 {
		t.Fatalf("%d records", len(h.attrs))
	}
	rec := h.attrs[0]
	if rec[logkeys.HTTPStatus] != int64(0) || rec[logkeys.Attempts] != int64(2) || rec[logkeys.Error] != wrapper.KindTransport {
		t.Errorf("record %v, want no HTTP status after a refused second attempt", rec)
	}
}
