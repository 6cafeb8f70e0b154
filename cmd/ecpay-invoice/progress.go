package main

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

// progress reports a batch on stderr: a live progressbar (done/total, rate,
// ETA, failures) when stderr is a terminal, a plain status line every
// plainEvery otherwise, so logs stay readable.
type progress struct {
	w     io.Writer
	start time.Time
	bar   *progressbar.ProgressBar // nil when w is not a terminal

	total                 atomic.Int64 // -1 while unknown
	done, failed, skipped atomic.Int64

	mu       sync.Mutex // serialises writes to w: bar, notes, plain lines
	stop     chan struct{}
	finished chan struct{}
}

const plainEvery = 10 * time.Second

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, start: time.Now(), stop: make(chan struct{}), finished: make(chan struct{})}
	p.total.Store(-1)
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("0 failed"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("Tsr"),
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

// setTotal sets the number of Tsrs once it is known.
func (p *progress) setTotal(n int64) {
	p.total.Store(n)
	if p.bar != nil {
		p.mu.Lock()
		p.bar.ChangeMax64(n)
		p.mu.Unlock()
	}
}

// add counts one result.
func (p *progress) add(r *result) {
	p.done.Add(1)
	switch {
	case r.Skipped:
		p.skipped.Add(1)
	case !r.OK:
		p.failed.Add(1)
	}
	if p.bar != nil {
		p.mu.Lock()
		if !r.OK && !r.Skipped {
			p.bar.Describe(fmt.Sprintf("%d failed", p.failed.Load()))
		}
		_ = p.bar.Add(1)
		p.mu.Unlock()
	}
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
	p.note("%s", summary)
}

// status is e.g. "120/2000 (6%), 45.2/s, ETA 41s, 3 failed".
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
	rate := p.rate()
	fmt.Fprintf(&b, ", %.1f/s", rate)
	if total >= 0 && rate > 0 && done < total {
		eta := time.Duration(float64(total-done) / rate * float64(time.Second))
		fmt.Fprintf(&b, ", ETA %s", eta.Round(time.Second))
	}
	fmt.Fprintf(&b, ", %d failed", p.failed.Load())
	if s := p.skipped.Load(); s > 0 {
		fmt.Fprintf(&b, ", %d skipped", s)
	}
	return b.String()
}

// rate is the number of Tsrs answered per second, skipped ones left out.
func (p *progress) rate() float64 {
	elapsed := time.Since(p.start).Seconds()
	if elapsed <= 0 {
		return 0
	}
	return float64(p.done.Load()-p.skipped.Load()) / elapsed
}
