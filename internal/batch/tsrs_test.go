package batch

import (
	"fmt"
	"runtime"
	"testing"
)

func TestSeenSetMemory(t *testing.T) {
	const n = 200_000
	before := heapInUse()
	var s seenSet
	for i := range n {
		// A typical Tsr of 12 characters, allocated as the reader does.
		s.add(fmt.Sprintf("MEMORY%06d", i), i+1)
	}
	perTsr := float64(heapInUse()-before) / n
	t.Logf("the duplicate check holds %.0f bytes per Tsr (its map entry and its string), at most %d Tsrs", perTsr, maxSeen)
	if _, repeated := s.add(fmt.Sprintf("MEMORY%06d", n/2), 0); !repeated {
		t.Error("a repeat was not found")
	}
	if perTsr > 96 {
		t.Errorf("%.0f bytes per Tsr: maxSeen's bound of about 64 MiB does not hold", perTsr)
	}
}

// heapInUse returns the bytes of live heap objects, after a collection.
func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
