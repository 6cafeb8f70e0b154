package ecpaysim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
)

// hugeBody returns the i-th of the bodies of just under MaxBodyBytes that
// TestMemoryIsBounded sends, each marked with "M" and i: valid envelopes whose
// Data holds a huge plaintext (which the schema allows), and invalid ones:
// not JSON, a huge MerchantID and PlatformID, a huge Data that does not
// decrypt. They are built by hand: json.Marshal of a megabyte is slow.
func hugeBody(t testing.TB, i int) []byte {
	t.Helper()
	const size = ecpaysim.MaxBodyBytes - 64
	mark := fmt.Sprintf("M%04d", i)
	pad := func(n int) string { return strings.Repeat("x", n) }
	envelope := func(merchantID, platformID, data string) []byte {
		// The strings need no escaping.
		return []byte(`{"MerchantID":"` + merchantID + `","PlatformID":"` + platformID +
			`","RqHeader":{"Timestamp":` + fmt.Sprint(testNow.Unix()) + `},"Data":"` + data + `"}`)
	}
	var body []byte
	switch i % 4 {
	case 0:
		inner := `{"MerchantID":"2000132","Tsr":"` + mark + `","Pad":"` + pad(size*3/4-200) + `"}`
		body = envelope(ecpaysim.StageMerchantID, "", stageData(t, inner))
	case 1:
		body = []byte(mark + pad(size-len(mark)))
	case 2:
		body = envelope(mark+pad(size/2), pad(size/2-200), "AAAA")
	case 3:
		body = envelope(ecpaysim.StageMerchantID, "", mark+strings.Repeat("A", size-200))
	}
	if len(body) >= ecpaysim.MaxBodyBytes || len(body) < ecpaysim.MaxBodyBytes-2048 {
		t.Fatalf("body %d has %d bytes, want just under %d", i, len(body), ecpaysim.MaxBodyBytes)
	}
	return body
}

// marked reports whether r is the record of request i: its kept bodies and
// strings hold the mark.
func marked(r ecpaysim.ReceivedRequest, i int) bool {
	mark := fmt.Appendf(nil, "M%04d", i)
	kept := [][]byte{r.Body, r.Plaintext}
	if r.Envelope != nil {
		kept = append(kept, []byte(r.Envelope.MerchantID), []byte(r.Envelope.Data))
	}
	for _, b := range kept {
		if bytes.Contains(b, mark) {
			return true
		}
	}
	return false
}

// Whatever the requests, the records stay within WithRequestBytes
// (DefaultRequestBytes) and each within MaxRecordedBody per body, while
// Requests still returns the latest ones, in order; and RequestBytes counts
// what is kept: the heap the simulator retains is no more than it says. The
// heap after the test is logged.
//
// The race detector slows encoding/json some thirtyfold, and each body goes
// through it several times (the checks of the envelope and of the Data): under
// it the test sends 8 bodies to a simulator that keeps two records' worth.
func TestMemoryIsBounded(t *testing.T) {
	n, limit := 600, ecpaysim.DefaultRequestBytes
	if raceEnabled {
		n, limit = 8, ecpaysim.MaxRecordBytes
		t.Logf("under the race detector: %d bodies, a cap of %d bytes; without -race: 600 bodies, the default cap", n, limit)
	}
	// The first Server of the process loads the pages; not the one measured.
	if _, err := ecpaysim.New(); err != nil {
		t.Fatal(err)
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock), ecpaysim.WithRequestBytes(limit))
	send := func(i int) {
		got := post(t, cancelOp, sim.URL, "application/json", bytes.NewReader(hugeBody(t, i)), ecpaysim.StageHashKey, ecpaysim.StageHashIV)
		if got.status == 0 {
			t.Errorf("request %d got no answer", i)
		}
		if kept := sim.RequestBytes(); kept > limit {
			t.Errorf("after request %d the records hold %d bytes, over the cap of %d", i, kept, limit)
		}
	}
	// The first ones from two clients at once (two cores), the last ones in
	// order, to find them in order.
	const last = 16
	next := make(chan int)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for i := range next {
				send(i)
			}
		})
	}
	for i := range max(n-last, 0) {
		next <- i
	}
	close(next)
	wg.Wait()
	for i := max(n-last, 0); i < n; i++ {
		send(i)
	}
	if t.Failed() {
		t.FailNow()
	}

	reqs := sim.Requests()
	if len(reqs) == 0 || len(reqs) >= n {
		t.Fatalf("Requests() has %d records; want the latest within the cap, fewer than %d", len(reqs), n)
	}
	for j := range min(len(reqs), last) {
		r, i := reqs[len(reqs)-1-j], n-1-j
		if !marked(r, i) {
			t.Fatalf("record %d from the end is not request %d: Body %.40q", j, i, r.Body)
		}
	}
	for j, r := range reqs {
		if !r.Truncated || len(r.Body) > ecpaysim.MaxRecordedBody || len(r.Plaintext) > ecpaysim.MaxRecordedBody {
			t.Fatalf("record %d: Truncated %v, Body %d bytes, Plaintext %d bytes", j, r.Truncated, len(r.Body), len(r.Plaintext))
		}
		if r.Envelope != nil {
			if b, _ := json.Marshal(r.Envelope); len(b) > ecpaysim.MaxRecordedBody+256 {
				t.Fatalf("record %d keeps an envelope of %d bytes", j, len(b))
			}
		}
	}

	reqs = nil
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept := sim.RequestBytes()
	retained := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d requests of about 1 MiB: %d records kept, RequestBytes %d (cap %d); heap after GC: %.1f MiB in use (%.1f MiB more than before the Server), %.0f MiB allocated during the test",
		n, len(sim.Requests()), kept, limit, float64(after.HeapInuse)/(1<<20), float64(retained)/(1<<20),
		float64(after.TotalAlloc-before.TotalAlloc)/(1<<20))
	// What the Server holds beyond its records (the listener, connection
	// buffers, the client's) is a few MiB whatever the requests.
	if slack := int64(8 << 20); retained > int64(kept)+slack {
		t.Errorf("the simulator retains %d bytes of heap but RequestBytes says its records hold %d: it keeps more than it counts", retained, kept)
	}
	runtime.KeepAlive(sim)
}
