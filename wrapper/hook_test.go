package wrapper_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/wrapper"
)

// hookLog records what an AttemptHook sees, one line per call of Before or
// After.
type hookLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *hookLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

// hook returns an AttemptHook named name that logs to l; before, when not
// nil, is what its Before returns.
func (l *hookLog) hook(name string, before error) wrapper.AttemptHook {
	return wrapper.AttemptHook{
		Before: func(_ context.Context, info wrapper.AttemptInfo) error {
			var data struct{ MerchantID, Tsr string }
			if err := json.Unmarshal(info.Data, &data); err != nil {
				l.add("%s before: Data is not JSON: %v", name, err)
			}
			l.add("%s before %s #%d MerchantID=%s Tsr=%s", name, info.Operation, info.Attempt, data.MerchantID, data.Tsr)
			return before
		},
		After: func(_ context.Context, info wrapper.AttemptInfo, r wrapper.AttemptResult) {
			l.add("%s after %s #%d status=%d trans=%s rtn=%s err=%s", name, info.Operation, info.Attempt, r.HTTPStatus, intOrNone(r.TransCode), intOrNone(r.RtnCode), errorKind(r.Err))
		},
	}
}

func intOrNone(p *int) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprint(*p)
}

// errorKind is wrapper.ErrorKind, or "" for no error.
func errorKind(err error) string {
	if err == nil {
		return ""
	}
	return wrapper.ErrorKind(err)
}

var errHeld = errors.New("held back by the hook")

func TestAttemptHook(t *testing.T) {
	m := wrapper.StageMerchantID
	for name, tc := range map[string]struct {
		faults  []ecpaysim.Fault
		retry   int
		tsr     string
		before  error // what the inner hook's Before returns
		want    []string
		wantErr string // the call's ErrorKind
	}{
		"success": {
			tsr: "T1",
			want: []string{
				"outer before CancelDelayIssue #1 MerchantID=" + m + " Tsr=T1",
				"inner before CancelDelayIssue #1 MerchantID=" + m + " Tsr=T1",
				"inner after CancelDelayIssue #1 status=200 trans=1 rtn=1 err=",
				"outer after CancelDelayIssue #1 status=200 trans=1 rtn=1 err=",
			},
		},
		"refused by ECPay": {
			tsr:    "T1",
			faults: []ecpaysim.Fault{{RtnCode: 2000058}},
			want: []string{
				"outer before CancelDelayIssue #1 MerchantID=" + m + " Tsr=T1",
				"inner before CancelDelayIssue #1 MerchantID=" + m + " Tsr=T1",
				"inner after CancelDelayIssue #1 status=200 trans=1 rtn=2000058 err=api",
				"outer after CancelDelayIssue #1 status=200 trans=1 rtn=2000058 err=api",
			},
			wantErr: "api",
		},
		"every attempt, retries included": {
			tsr:    "T1",
			retry:  2,
			faults: []ecpaysim.Fault{{HTTPStatus: 503}},
			want: []string{
				"outer before CancelDelayIssue #1 MerchantID=" + m + " Tsr=T1",
				"inner before CancelDelayIssue #1 MerchantID=" + m + " Tsr=T1",
				"inner after CancelDelayIssue #1 status=503 trans=none rtn=none err=http",
				"outer after CancelDelayIssue #1 status=503 trans=none rtn=none err=http",
				"outer before CancelDelayIssue #2 MerchantID=" + m + " Tsr=T1",
				"inner before CancelDelayIssue #2 MerchantID=" + m + " Tsr=T1",
				"inner after CancelDelayIssue #2 status=200 trans=1 rtn=1 err=",
				"outer after CancelDelayIssue #2 status=200 trans=1 rtn=1 err=",
			},
		},
		"a Before error keeps the request back": {
			tsr:    "T1",
			before: errHeld,
			want: []string{
				"outer before CancelDelayIssue #1 MerchantID=" + m + " Tsr=T1",
				"inner before CancelDelayIssue #1 MerchantID=" + m + " Tsr=T1",
				"outer after CancelDelayIssue #1 status=0 trans=none rtn=none err=transport",
			},
			wantErr: "transport",
		},
		"a refusal before sending reaches no hook": {
			tsr:     "",
			wantErr: "validation",
		},
	} {
		t.Run(name, func(t *testing.T) {
			sim, srv := startSimulator("T1")
			defer srv.Close()
			if err := sim.InjectNext(tc.faults...); err != nil {
				t.Fatal(err)
			}
			var log hookLog
			opts := []wrapper.Option{
				wrapper.WithBaseURL(srv.URL),
				wrapper.WithAttemptHook(log.hook("outer", nil)),
				wrapper.WithAttemptHook(log.hook("inner", tc.before)),
			}
			if tc.retry > 0 {
				opts = append(opts, wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: tc.retry, InitialBackoff: time.Millisecond}))
			}
			c, err := wrapper.NewClient(m, wrapper.StageHashKey, wrapper.StageHashIV, opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CancelDelayIssue(context.Background(), wrapper.CancelDelayIssueRequest{Tsr: tc.tsr})
			if got := errorKind(err); got != tc.wantErr {
				t.Fatalf("error kind %q (%v), want %q", got, err, tc.wantErr)
			}
			if tc.before != nil {
				var te *wrapper.TransportError
				if !errors.As(err, &te) || !errors.Is(err, tc.before) {
					t.Errorf("error %v: want a *TransportError wrapping the hook's", err)
				}
				if n := len(sim.Requests()); n != 0 {
					t.Errorf("the simulator got %d requests, want none", n)
				}
			}
			if got := strings.Join(log.lines, "\n"); got != strings.Join(tc.want, "\n") {
				t.Errorf("hooks saw\n%s\nwant\n%s", got, strings.Join(tc.want, "\n"))
			}
		})
	}
}
