package batch

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports a batch on stderr: a live progressbar (sent/to send,
// rate, ETA, failures) when stderr is a terminal, a plain status line every
// plainEvery otherwise, so logs stay readable.
//
// Rates and ETAs count only the Tsrs actually sent, from the first request
// on: on resume, the Tsrs skipped as settled (and the lines refused without
// a request) would otherwise make the batch look far faster than ECPay
// answers. The live bar therefore counts requests only, and its total is the
// Tsrs left to send once the input has been counted.
type progress struct {
	w     io.Writer
	now   func() time.Time
	start time.Time
	bar   *progressbar.ProgressBar // nil when w is not a terminal

	// sendStart is when the first request started (UnixNano); 0 before.
	sendStart atomic.Int64
	// total is the number of Tsrs of the input and toSend those that need
	// a request (not settled by --out, not refused by the reader); -1
	// while unknown. refused counts those of toSend the client refused
	// without a request: toSend-refused are sent.
	total, toSend, refused atomic.Int64
	// done counts every result; sent those of requests; skipped, earlier
	// (probably done earlier), duplicates and failed partition the rest of
	// done with the successes.
	done, sent, skipped, earlier, duplicates, failed atomic.Int64
	// settled counts the successes a lookup settled (issued earlier).
	settled atomic.Int64

	mu       sync.Mutex // serialises writes to w: bar, notes, plain lines
	stop     chan struct{}
	finished chan struct{}
}

const plainEvery = 10 * time.Second

func newProgress(w io.Writer, key string) *progress {
	p := &progress{w: w, now: time.Now, stop: make(chan struct{}), finished: make(chan struct{})}
	p.start = p.now()
	p.total.Store(-1)
	p.toSend.Store(-1)
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("sending"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(key),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(200*time.Millisecond),
		)
		close(p.finished)
		return p
	}
	go p.loop()
	return p
}

// setTotal sets the number of Tsrs and of those that need a request, once
// the input has been counted.
func (p *progress) setTotal(total, toSend int64) {
	p.total.Store(total)
	p.toSend.Store(toSend)
	p.resize()
}

// unsendable notes a Tsr that the client refused without a request.
func (p *progress) unsendable() {
	p.refused.Add(1)
	p.resize()
}

// left returns how many Tsrs remain to be sent, -1 while unknown.
func (p *progress) left() int64 {
	toSend := p.toSend.Load()
	if toSend < 0 {
		return -1
	}
	return toSend - p.refused.Load() - p.sent.Load()
}

// resize makes the bar's total the Tsrs to send, once known.
func (p *progress) resize() {
	if n := p.toSend.Load() - p.refused.Load(); p.bar != nil && p.toSend.Load() >= 0 && n > 0 {
		p.mu.Lock()
		p.bar.ChangeMax64(n)
		p.mu.Unlock()
	}
}

// sending notes that a request is about to start: the first one starts the
// clock of the rate and of the bar.
func (p *progress) sending() {
	if p.sendStart.Load() != 0 || !p.sendStart.CompareAndSwap(0, p.now().UnixNano()) {
		return
	}
	if p.bar != nil {
		p.mu.Lock()
		p.bar.Reset()
		p.mu.Unlock()
	}
}

// add counts one result; sent says whether a request was made for it.
func (p *progress) add(r *Result, sent bool) {
	p.done.Add(1)
	if sent {
		p.sent.Add(1)
	}
	switch {
	case r.Skipped:
		p.skipped.Add(1)
	case r.Outcome == OutcomeProbablyDoneEarlier:
		p.earlier.Add(1)
	case r.Outcome == OutcomeDuplicate:
		p.duplicates.Add(1)
	case !r.OK:
		p.failed.Add(1)
	case r.Outcome == OutcomeIssuedEarlier:
		p.settled.Add(1)
	}
	if p.bar != nil {
		p.mu.Lock()
		p.bar.Describe(p.tally())
		if sent {
			_ = p.bar.Add(1)
		}
		p.mu.Unlock()
	}
}

// tally is the bar's description: what is not in its count.
func (p *progress) tally() string {
	s := fmt.Sprintf("%d failed", p.failed.Load())
	if n := p.skipped.Load(); n > 0 {
		s += fmt.Sprintf(", %d skipped", n)
	}
	return s
}

// loop prints the plain status lines.
func (p *progress) loop() {
	defer close(p.finished)
	t := time.NewTicker(plainEvery)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			fmt.Fprintf(p.w, "ecpay-invoice: progress: %s\n", p.status())
			p.mu.Unlock()
		}
	}
}

// note prints a line; the bar, if any, redraws below it on its next update.
func (p *progress) note(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

// finish stops the reports and prints summary as the last line.
func (p *progress) finish(summary string) {
	close(p.stop)
	<-p.finished
	if p.bar != nil {
		p.mu.Lock()
		// A finished bar stops its spinner and draws no more.
		_ = p.bar.Finish()
		p.mu.Unlock()
	}
	p.note("%s", summary)
}

// status is e.g. "1120/3000 (37%), 1000 skipped, 45.2/s, ETA 41s, 3 failed":
// the counts are of every Tsr, the rate and the ETA of those sent.
func (p *progress) status() string {
	done, total := p.done.Load(), p.total.Load()
	var b strings.Builder
	if total >= 0 {
		pct := 100
		if total > 0 {
			pct = int(done * 100 / total)
		}
		fmt.Fprintf(&b, "%d/%d (%d%%)", done, total, pct)
	} else {
		fmt.Fprintf(&b, "%d done", done)
	}
	if s := p.skipped.Load(); s > 0 {
		fmt.Fprintf(&b, ", %d skipped", s)
	}
	rate := p.rate()
	fmt.Fprintf(&b, ", %.1f/s", rate)
	if left := p.left(); rate > 0 && left > 0 {
		eta := time.Duration(float64(left) / rate * float64(time.Second))
		fmt.Fprintf(&b, ", ETA %s", eta.Round(time.Second))
	}
	fmt.Fprintf(&b, ", %d failed", p.failed.Load())
	return b.String()
}

// rate is the number of requests answered per second since the first one
// started.
func (p *progress) rate() float64 {
	return perSecond(p.sent.Load(), p.sendElapsed())
}

// sendElapsed is the time since the first request started; 0 before.
func (p *progress) sendElapsed() time.Duration {
	start := p.sendStart.Load()
	if start == 0 {
		return 0
	}
	return p.now().Sub(time.Unix(0, start))
}

// perSecond is n per d; 0 when d is not positive.
func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
