package ledger

import (
	"fmt"
	"runtime"
	"testing"
)

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// The book's memory stays flat once it holds its limit: 100,000 invoices
// through a limit of 25,000 leave the live heap where it was at 50,000
// (BENCHMARKS.md records the figures).
func TestMemoryFlatPastTheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 invoices skipped with -short")
	}
	const limit, n = 25_000, 100_000
	l, _ := newLedger(t, Config{Limit: limit})
	in := input("", 100)
	base := heapInUse()
	var at []uint64
	for i := range n {
		in.RelateNumber = fmt.Sprint("M", i)
		inv, err := l.Issue(merchant, in)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := l.Void(merchant, Key{InvoiceNo: inv.InvoiceNo}, "r"); err != nil {
				t.Fatal(err)
			}
		}
		if i+1 == 2*limit || i+1 == 3*limit || i+1 == n {
			at = append(at, heapInUse()-base)
		}
	}
	t.Logf("live heap over the book's start, limit %d: %.1f MiB at %d invoices, %.1f MiB at %d, %.1f MiB at %d",
		limit, mib(at[0]), 2*limit, mib(at[1]), 3*limit, mib(at[2]), n)
	runtime.KeepAlive(l)
	// Flat: a quarter more at most, against the doubling an unbounded
	// book would show from 50,000 to 100,000.
	if at[2] > at[0]+at[0]/4 {
		t.Errorf("the live heap grew from %.1f MiB to %.1f MiB past the limit", mib(at[0]), mib(at[2]))
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
