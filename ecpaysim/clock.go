package ecpaysim

import (
	"errors"
	"fmt"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
)

// ErrClockBackwards is the error of Advance and AdvanceTo for a move into the
// past: the simulator's clock only moves forward, so that what it has
// scheduled and issued stays in order.
var ErrClockBackwards = errors.New("ecpaysim: the simulator's clock only moves forward")

// Now returns the simulator's clock: the time a Server reads, WithClock's
// function (time.Now without it) plus how far Advance and AdvanceTo have
// moved it. The Server checks RqHeader.Timestamp against it, stamps
// RpHeader and its request records with it, and issues a delayed invoice
// once it passes the invoice's time (on the next request or move of the
// clock, dated then). A moved clock keeps WithClock's pace: on time.Now it
// runs on from where it was moved to; a fixed WithClock stays fixed at its
// time plus the moves. Clock returns it as a function, so
// a client made with that (ecpaysimtest's is) sends Timestamps within the
// window after a move too.
func (s *Server) Now() time.Time {
	return s.clock().Add(time.Duration(s.offset.Load()))
}

// Clock returns the simulator's clock, Now, as a function: WithClock's
// function (or time.Now) moved by Advance and AdvanceTo.
func (s *Server) Clock() func() time.Time { return s.Now }

// Advance moves the simulator's clock d forward and returns its new time;
// the delayed invoices whose time it passes issue (see InvoiceStatus).
// A negative d is refused with ErrClockBackwards, and moves nothing.
func (s *Server) Advance(d time.Duration) (time.Time, error) {
	if d < 0 {
		return s.Now(), fmt.Errorf("%w: Advance(%v) would move it back; give a duration of 0 or more", ErrClockBackwards, d)
	}
	s.clockMu.Lock()
	defer s.clockMu.Unlock()
	now, err := s.moveTo(s.Now().Add(d))
	if err == nil {
		s.issueDue(now)
	}
	return now, err
}

// AdvanceTo moves the simulator's clock forward to t and returns its new
// time, t; the delayed invoices whose time it passes issue (see
// InvoiceStatus). A t before Now is refused with ErrClockBackwards, and
// moves nothing.
func (s *Server) AdvanceTo(t time.Time) (time.Time, error) {
	s.clockMu.Lock()
	defer s.clockMu.Unlock()
	if now := s.Now(); t.Before(now) {
		return now, fmt.Errorf("%w: it is %s, after %s", ErrClockBackwards, now.Format(time.RFC3339), t.Format(time.RFC3339))
	}
	now, err := s.moveTo(t)
	if err == nil {
		s.issueDue(now)
	}
	return now, err
}

// moveTo sets the clock's offset so that it reads t now, under s.clockMu;
// a t beyond what a time.Duration spans from WithClock's time is refused.
func (s *Server) moveTo(t time.Time) (time.Time, error) {
	base := s.clock()
	off := t.Sub(base)
	if !base.Add(off).Equal(t) {
		return s.Now(), fmt.Errorf("ecpaysim: the clock cannot be moved to %s, more than 290 years from %s", t.Format(time.RFC3339), base.Format(time.RFC3339))
	}
	s.offset.Store(int64(off))
	return t, nil
}

// ClockMove is the body of POST /_sim/clock: exactly one of Advance, a
// duration in Go's syntax ("72h", "90m", "1h30m"), and Now, a time in
// RFC 3339 ("2026-06-17T12:00:00+08:00").
type ClockMove struct {
	Advance string `json:"advance,omitempty"`
	Now     string `json:"now,omitempty"`
}

// ClockState is the answer of GET and POST /_sim/clock: the simulator's
// clock, Now.
type ClockState struct {
	Now time.Time
}

// clockUsage is what POST /_sim/clock wants.
const clockUsage = `want {"advance":"72h"} (a duration: h, m, s) or {"now":"2026-06-17T12:00:00+08:00"} (RFC 3339), one of them`

// move applies m to the clock; the error says what was wrong with m.
func (s *Server) move(m ClockMove) (time.Time, error) {
	switch {
	case (m.Advance == "") == (m.Now == ""):
		return time.Time{}, errors.New(clockUsage)
	case m.Advance != "":
		d, err := time.ParseDuration(m.Advance)
		if err != nil {
			return time.Time{}, fmt.Errorf("advance %q is not a duration; %s", serving.Truncate(m.Advance, 40), clockUsage)
		}
		return s.Advance(d)
	}
	t, err := time.Parse(time.RFC3339, m.Now)
	if err != nil {
		return time.Time{}, fmt.Errorf("now %q is not an RFC 3339 time; %s", serving.Truncate(m.Now, 40), clockUsage)
	}
	return s.AdvanceTo(t)
}
