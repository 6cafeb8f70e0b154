package ecpaysim_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/wrapper"
)

// Many goroutines cancel, register, inject and inspect on one server at
// once; run with -race. Every answer is checked against the spec by post.
func TestConcurrentUse(t *testing.T) {
	const (
		workers    = 32
		perWorker  = 8
		contenders = 16 // goroutines cancelling the same Tsr
	)
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	mustAdd(t, sim, ecpaysim.StageMerchantID, "SHARED")
	shared := cancelRequest(t, "SHARED")

	// Requests are built here: the helpers may call t.Fatal, which only the
	// test's own goroutine may do.
	bodies := make([][][]byte, workers)
	for w := range workers {
		for i := range perWorker {
			bodies[w] = append(bodies[w], cancelRequest(t, fmt.Sprintf("W%d-%d", w, i)))
		}
	}

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				tsr := fmt.Sprintf("W%d-%d", w, i)
				if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, tsr); err != nil {
					t.Error(err)
					return
				}
				if got := postJSON(t, cancelOp, sim.URL, bodies[w][i]); got.rtnCode() != wrapper.RtnCodeOK {
					t.Errorf("%s: %s", tsr, got.body)
				}
				if !sim.Cancelled(ecpaysim.StageMerchantID, tsr) {
					t.Errorf("%s is not cancelled", tsr)
				}
			}
		})
	}
	var successes, refusals atomic.Int32
	for range contenders {
		wg.Go(func() {
			switch got := postJSON(t, cancelOp, sim.URL, shared); got.rtnCode() {
			case wrapper.RtnCodeOK:
				successes.Add(1)
			case wrapper.RtnCodeNoUpdatableTsr:
				refusals.Add(1)
			default:
				t.Errorf("SHARED: %s", got.body)
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range perWorker {
				_ = sim.Requests()
				_ = sim.Invoices()
				_ = sim.Violations()
				_ = sim.PendingFaults()
			}
		})
	}
	wg.Wait()

	if successes.Load() != 1 || refusals.Load() != contenders-1 {
		t.Errorf("SHARED: %d successes and %d refusals, want 1 and %d", successes.Load(), refusals.Load(), contenders-1)
	}
	if got, want := len(sim.Requests()), workers*perWorker+contenders; got != want {
		t.Errorf("Requests() has %d entries, want %d", got, want)
	}
	for _, inv := range sim.Invoices() {
		if inv.Status != ecpaysim.StatusCancelled {
			t.Errorf("%s is %s", inv.Tsr, inv.Status)
		}
		if inv.Tsr == "SHARED" && inv.CancelRequests != contenders {
			t.Errorf("SHARED has %d cancel requests, want %d", inv.CancelRequests, contenders)
		}
	}
}

// Faults injected while requests run are each used by exactly one request.
func TestConcurrentFaults(t *testing.T) {
	const n = 40
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	var wg sync.WaitGroup
	for range n / 2 {
		wg.Go(func() {
			if err := sim.InjectNext(ecpaysim.Fault{TransCode: 77}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var faulty atomic.Int32
	body := cancelRequest(t, "NONE")
	for range n {
		wg.Go(func() {
			if got := postJSON(t, cancelOp, sim.URL, body); got.transCode() == 77 {
				faulty.Add(1)
			}
		})
	}
	wg.Wait()
	if faulty.Load() != n/2 {
		t.Errorf("%d answers carried the fault, want %d", faulty.Load(), n/2)
	}
}
