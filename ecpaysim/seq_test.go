package ecpaysim_test

import (
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/wrapper"
)

// A kept request keeps its number when older ones are dropped, so that a
// reader of Requests (the inspector's live rows) can ask for what is new.
func TestRequestsKeepTheirNumbers(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithRequestLimit(2))
	for range 3 {
		sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "NONE", PayType: "2"})
	}
	reqs := sim.Requests()
	if len(reqs) != 2 || reqs[0].Seq != 2 || reqs[1].Seq != 3 {
		var seqs []int64
		for _, r := range reqs {
			seqs = append(seqs, r.Seq)
		}
		t.Errorf("kept requests numbered %v, want [2 3]", seqs)
	}
}
