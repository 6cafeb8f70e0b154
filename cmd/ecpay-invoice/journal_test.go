package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// journalSeeds are seeds of both fuzz targets (testdata/fuzz holds more).
func journalSeeds(f *testing.F) {
	f.Add([]byte(`{"tsr":"A","ok":true,"rtn_code":1}`+"\n"), []byte(`{"tsr":"A","sending":true}`+"\n"))
	f.Add([]byte(`{"tsr":"A","ok":tr`), []byte(`{"tsr":"B","sending":true}`+"\n"+`{"tsr":"B","ok":false,"error":{"kind":"transport","message":"m","maybe_sent":true}}`))
	f.Add([]byte("\x00\x00\n\n{}\n"), []byte("not json\n"))
}

// FuzzJournalReader feeds any bytes to the reader of the results file and
// of the journal, files a crash may have cut and anyone may have written: it
// must not panic, and must index a final result only where the results file
// holds one for that Tsr.
func FuzzJournalReader(f *testing.F) {
	journalSeeds(f)
	f.Fuzz(func(t *testing.T, results, records []byte) {
		j := &journal{index: map[string]journalEntry{}}
		tail, err := scanRecords(bytes.NewReader(results), func(rec *journalRecord, start int64) { j.fold(rec, start, true) }, func(int) {})
		if err != nil {
			t.Fatal(err)
		}
		if tail.start < 0 || tail.start > tail.end || tail.end > int64(len(results)) || (tail.whole && tail.torn) {
			t.Fatalf("tail %+v of %d bytes", tail, len(results))
		}
		if _, err := scanRecords(bytes.NewReader(records), func(rec *journalRecord, start int64) { j.fold(rec, start, false) }, func(int) {}); err != nil {
			t.Fatal(err)
		}
		for tsr, e := range j.index {
			if e.final == 0 {
				continue
			}
			line, _, _ := bytes.Cut(results[e.final-1:], []byte("\n"))
			var r result
			if json.Unmarshal(line, &r) != nil || r.Tsr != tsr || !r.final() {
				t.Fatalf("%q is indexed as settled by %q", tsr, line)
			}
		}
		_, _ = parseHeader(records)
	})
}

// FuzzJournalRepair opens files of any bytes as a results file and the
// records of a journal, as a rerun does: the repair must leave files that
// read back the same, with nothing left to repair. (Each run syncs files, so
// it is slower than FuzzJournalReader.)
func FuzzJournalRepair(f *testing.F) {
	journalSeeds(f)
	f.Fuzz(func(t *testing.T, results, records []byte) {
		path := filepath.Join(t.TempDir(), "out.jsonl")
		if err := os.WriteFile(path, results, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+journalSuffix, append([]byte(testHeader(testTarget, path)), records...), 0o600); err != nil {
			t.Fatal(err)
		}
		first, err := openJournal(path, testTarget, false, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := first.close(); err != nil {
			t.Fatal(err)
		}
		var warn bytes.Buffer
		second, err := openJournal(path, testTarget, false, &warn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := second.close(); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(warn.Bytes(), []byte("torn")) {
			t.Fatalf("a second opening repaired again: %s", warn.String())
		}
		if len(first.index) != len(second.index) {
			t.Fatalf("the index changed across a reopening: %d, then %d entries", len(first.index), len(second.index))
		}
		for tsr, e := range first.index {
			if f := second.index[tsr]; (f.final != 0) != (e.final != 0) || f.resend() != e.resend() {
				t.Fatalf("%q: %+v, then %+v", tsr, e, f)
			}
		}
	})
}
