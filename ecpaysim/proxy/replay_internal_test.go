package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// missRecording returns a recording of n requests to TriggerIssue, each
// with its own Tsr and otherwise the same Data but for line 7, which has a
// member of its own; and the key and members of a request that is none of
// them, like line 7 but for its Tsr when rare is true.
func missRecording(tb testing.TB, n int, rare bool) (*Replay, replayKey, map[string]string) {
	tb.Helper()
	op := registry.Lookup("TriggerIssue")
	if op == nil {
		tb.Fatal("no TriggerIssue in the registry")
	}
	data := func(tsr string, extra bool) string {
		d := map[string]any{"MerchantID": protocol.StageMerchantID, "Tsr": tsr, "PayType": "2"}
		if extra {
			d["Note"] = "rare"
		}
		b, _ := json.Marshal(d)
		return string(b)
	}
	var rec bytes.Buffer
	for i := 1; i <= n; i++ {
		ex := &Exchange{Time: time.Unix(1735787045, 0).UTC(), Operation: op.Name, Method: "POST", Path: op.Path}
		ex.Request.setBody([]byte(`{"MerchantID":"` + protocol.StageMerchantID + `"}`))
		ex.Request.setPlaintext([]byte(data(fmt.Sprintf("T%d", i), i == 7)))
		ex.Response.Status = 200
		line, err := encodeLine(ex)
		if err != nil {
			tb.Fatal(err)
		}
		rec.Write(line)
	}
	rp, err := NewReplay(&rec)
	if err != nil {
		tb.Fatal(err)
	}
	miss := &Message{Envelope: []byte(`{"MerchantID":"` + protocol.StageMerchantID + `"}`)}
	miss.setPlaintext([]byte(data("MISS", rare)))
	key, values, ok := matchKey(op, miss)
	if !ok {
		tb.Fatal("the miss has no key")
	}
	return rp, key, values
}

// A miss costs the same however long the recording: it is compared with a
// bounded set of candidates, not with every recorded request; and the hint
// still finds the request that shares a rare value with it, however old,
// or else one of the latest.
func TestReplayMissIsBounded(t *testing.T) {
	allocs := map[int]float64{}
	for _, n := range []int{2_000, 20_000} {
		rp, key, values := missRecording(t, n, true)
		if got := rp.unmatched(key, values); !strings.Contains(got, "on line 7 of the recording, differs in \"Tsr\"") {
			t.Errorf("%d lines, a miss like line 7: %q, want line 7 named", n, got)
		}
		if c := rp.candidates(key, values); len(c) > maxCandidates {
			t.Errorf("%d lines: %d candidates, want at most %d", n, len(c), maxCandidates)
		}
		allocs[n] = testing.AllocsPerRun(5, func() { rp.unmatched(key, values) })

		rp, key, values = missRecording(t, n, false)
		got := rp.unmatched(key, values)
		if !strings.Contains(got, fmt.Sprintf("on line %d of the recording, differs in \"Tsr\"", n)) {
			t.Errorf("%d lines, a miss like any: %q, want the latest line, %d, named", n, got, n)
		}
	}
	// Compared with every recorded request, ten times the lines cost ten
	// times the allocations.
	t.Logf("allocations per miss: %v", allocs)
	if allocs[20_000] > 2*allocs[2_000]+100 {
		t.Errorf("a miss allocates %v times at 2,000 lines, %v at 20,000: want the same", allocs[2_000], allocs[20_000])
	}
}

// BenchmarkReplayMiss is the cost of a request the recording has no answer
// for, by the recording's length.
func BenchmarkReplayMiss(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) {
			rp, key, values := missRecording(b, n, false)
			b.ResetTimer()
			for b.Loop() {
				rp.unmatched(key, values)
			}
		})
	}
}
