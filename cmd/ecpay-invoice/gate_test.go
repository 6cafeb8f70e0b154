package main

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
)

// gate serves a simulator's API on a server of its own that answers the
// first requests and holds every later one until Release, so that a test can
// stop a batch at a point it knows, with a call in flight, on a machine as
// loaded as it may be: it waits on these events, never on the clock.
type gate struct {
	// URL is the base URL to give the batch instead of the simulator's.
	URL string
	// Passed is closed once the first requests have been answered.
	Passed <-chan struct{}
	// Holding is closed once a later request is held.
	Holding <-chan struct{}

	release func()
}

// newGate starts a gate in front of sim that lets pass requests through
// (none for 0), and releases what it holds when t's test ends.
func newGate(t *testing.T, sim *ecpaysimtest.Server, pass int64) *gate {
	t.Helper()
	passed, holding, released := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var arrived, answered atomic.Int64
	var holdOnce, releaseOnce sync.Once
	if pass == 0 {
		close(passed)
	}
	api := sim.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if arrived.Add(1) > pass {
			holdOnce.Do(func() { close(holding) })
			select {
			case <-released:
			case <-r.Context().Done():
				// The client is gone (a killed batch): the simulator
				// never sees the request, as if it were lost on the way.
				return
			}
			api.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
		if answered.Add(1) == pass {
			close(passed)
		}
	}))
	g := &gate{URL: hs.URL, Passed: passed, Holding: holding, release: func() { releaseOnce.Do(func() { close(released) }) }}
	// Cleanups run last first: release before the server's Close waits for
	// the handlers.
	t.Cleanup(hs.Close)
	t.Cleanup(g.Release)
	return g
}

// Release answers the requests held and every later one.
func (g *gate) Release() { g.release() }

// wait blocks until the first requests have been answered and a later one
// is held (the batch has results and a call in flight), and reports true;
// or until ended is closed (the batch is over without reaching the gate), and
// reports false.
func (g *gate) wait(ended <-chan struct{}) bool {
	for _, ch := range []<-chan struct{}{g.Passed, g.Holding} {
		select {
		case <-ch:
		case <-ended:
			return false
		}
	}
	return true
}

// exited waits for cmd, started, and returns a channel closed once it has
// exited: cmd.ProcessState and its output are complete then.
func exited(cmd *exec.Cmd) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(ch)
	}()
	return ch
}
