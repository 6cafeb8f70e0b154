package batch

import (
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/internal/testkit"
)

func TestProgressRateCountsOnlyTsrsSent(t *testing.T) {
	var out testkit.Buffer
	p := newProgress(&out, "Tsr")
	clock := time.Unix(1_700_000_000, 0)
	p.now = func() time.Time { return clock }
	p.start = clock
	p.setTotal(1010, 10)
	// A resumed run: 1,000 Tsrs settled by the results file, read for 10 s.
	for range 1000 {
		p.add(&Result{Skipped: true}, false)
	}
	clock = clock.Add(10 * time.Second)
	p.sending()
	clock = clock.Add(2 * time.Second)
	for range 4 {
		p.add(&Result{Answer: Answer{OK: true}}, true)
	}
	if got, want := p.status(), "1004/1010 (99%), 1000 skipped, 2.0/s, ETA 3s, 0 failed"; got != want {
		t.Errorf("status %q, want %q", got, want)
	}
	p.finish("done")
	if !strings.HasSuffix(out.String(), "done\n") {
		t.Errorf("output %q", out.String())
	}
}
