package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"
)

// progress reports a batch on stderr: a bar redrawn in place when stderr is
// a terminal, a plain line every plainEvery otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	width int
	start time.Time

	total                 atomic.Int64 // -1 while unknown
	done, failed, skipped atomic.Int64

	mu       sync.Mutex // serialises writes to w
	stop     chan struct{}
	finished chan struct{}
}

const (
	ttyEvery   = 200 * time.Millisecond
	plainEvery = 10 * time.Second
)

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, width: 80, start: time.Now(), stop: make(chan struct{}), finished: make(chan struct{})}
	p.total.Store(-1)
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 20 {
			p.width = cols
		}
	}
	go p.loop()
	return p
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
}

func (p *progress) loop() {
	defer close(p.finished)
	every := plainEvery
	if p.tty {
		every = ttyEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			if p.tty {
				fmt.Fprintf(p.w, "\r%s\x1b[K", p.bar())
			} else {
				fmt.Fprintf(p.w, "ecpay-invoice: progress: %s\n", p.status())
			}
			p.mu.Unlock()
		}
	}
}

// note prints a line between redraws of the bar.
func (p *progress) note(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		io.WriteString(p.w, "\r\x1b[K")
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

// bar is the status behind a bar as wide as the terminal allows.
func (p *progress) bar() string {
	status := p.status()
	width := min(40, p.width-len(status)-4)
	total := p.total.Load()
	if width < 10 || total <= 0 {
		return status
	}
	filled := int(p.done.Load() * int64(width) / total)
	filled = min(filled, width)
	return "[" + strings.Repeat("=", filled) + strings.Repeat(" ", width-filled) + "] " + status
}
