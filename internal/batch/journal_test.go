package batch

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/wrapper"
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
		tail, err := scanRecords(bytes.NewReader(results), func(rec *Record, start int64) { j.fold(rec, start, true) }, func(int) {})
		if err != nil {
			t.Fatal(err)
		}
		if tail.start < 0 || tail.start > tail.end || tail.end > int64(len(results)) || (tail.whole && tail.torn) {
			t.Fatalf("tail %+v of %d bytes", tail, len(results))
		}
		if _, err := scanRecords(bytes.NewReader(records), func(rec *Record, start int64) { j.fold(rec, start, false) }, func(int) {}); err != nil {
			t.Fatal(err)
		}
		for tsr, e := range j.index {
			if e.final == 0 {
				continue
			}
			line, _, _ := bytes.Cut(results[e.final-1:], []byte("\n"))
			var r Result
			if json.Unmarshal(line, &r) != nil || r.Key != tsr || !r.Final() {
				t.Fatalf("%q is indexed as settled by %q", tsr, line)
			}
		}
		_, _ = ParseHeader(records)
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
		if err := os.WriteFile(path+JournalSuffix, append([]byte(testHeader(testTarget, path)), records...), 0o600); err != nil {
			t.Fatal(err)
		}
		first, err := openJournal(path, testTarget, "Tsr", "tsr", false, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := first.close(); err != nil {
			t.Fatal(err)
		}
		var warn bytes.Buffer
		second, err := openJournal(path, testTarget, "Tsr", "tsr", false, &warn)
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

// testTarget is a target for journals opened by the tests themselves.
var testTarget = Target{Operation: "CancelDelayIssue", BaseURL: "http://127.0.0.1:1", MerchantID: wrapper.StageMerchantID}

func TestJournalRefusesToSendAfterAWriteFailure(t *testing.T) {
	for _, broken := range []string{"results", "journal"} {
		t.Run(broken, func(t *testing.T) {
			j, err := openJournal(filepath.Join(t.TempDir(), "out.jsonl"), testTarget, "Tsr", "tsr", false, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			failed := make(chan error, 1)
			j.onFail = func(err error) { failed <- err }
			if err := j.intent("A"); err != nil {
				t.Fatal(err)
			}
			// Every later write of the file fails.
			if broken == "results" {
				j.results.f.Close()
			} else {
				j.log.f.Close()
			}
			j.record([]byte(`{"tsr":"A","ok":true}`+"\n"), "A", true)
			if err := j.intent("B"); err == nil && broken == "journal" {
				t.Error("an intent was accepted although it could not be written")
			}
			if err := j.intent("C"); err == nil {
				t.Error("an intent was accepted after a write failure")
			}
			select {
			case <-failed:
			case <-time.After(5 * time.Second):
				t.Error("the failure was not reported")
			}
			unwritten, err := j.close()
			if err == nil {
				t.Error("close reported no error")
			}
			if want := broken == "results"; (len(unwritten) == 1 && unwritten[0] == "A") != want {
				t.Errorf("unwritten %q, want A listed: %t", unwritten, want)
			}
		})
	}
}

func TestJournalLoad(t *testing.T) {
	intent := func(tsr string) string { return `{"tsr":"` + tsr + `","sending":true}` + "\n" }
	tests := map[string]struct {
		results, journal string                  // the records after the header
		want             map[string]journalEntry // final is compared as set or not
		wantResults      string                  // the results file after opening, when set
		wantJournal      string                  // the journal's records after opening, when set
		warning          string
	}{
		"intent only": {
			journal:     intent("A"),
			want:        map[string]journalEntry{"A": {uncertain: true}},
			wantJournal: intent("A"),
		},
		"answered": {
			journal: intent("A"),
			results: `{"tsr":"A","ok":true,"rtn_code":1}` + "\n",
			want:    map[string]journalEntry{"A": {final: 1}},
		},
		"refused is final": {
			results: `{"tsr":"A","ok":false,"error":{"kind":"api","message":"m"}}` + "\n",
			want:    map[string]journalEntry{"A": {final: 1}},
		},
		"a probable earlier success is final": {
			results: `{"tsr":"A","ok":false,"error":{"kind":"api","message":"m"},"rtn_code":5070305,"outcome":"probably_done_earlier","resent":true}` + "\n",
			want:    map[string]journalEntry{"A": {final: 1}},
		},
		"http failure is not final nor uncertain": {
			journal: intent("A") + `{"tsr":"A","ok":false,"error":{"kind":"http","message":"m"},"http_status":403}` + "\n",
			want:    map[string]journalEntry{},
		},
		"timeout is uncertain": {
			journal: intent("A") + `{"tsr":"A","ok":false,"error":{"kind":"transport","message":"m","maybe_sent":true}}` + "\n",
			want:    map[string]journalEntry{"A": {uncertain: true}},
		},
		"uncertainty outlives a later clean failure": {
			journal: intent("A") + `{"tsr":"A","ok":false,"error":{"kind":"transport","message":"m","maybe_sent":true}}` + "\n" +
				intent("A") + `{"tsr":"A","ok":false,"error":{"kind":"http","message":"m"},"http_status":503}` + "\n",
			want: map[string]journalEntry{"A": {uncertain: true}},
		},
		"an unanswered intent before an answered one": {
			journal: intent("A") + intent("A") + `{"tsr":"A","ok":false,"error":{"kind":"http","message":"m"},"http_status":503}` + "\n",
			want:    map[string]journalEntry{"A": {uncertain: true}},
		},
		"torn journal tail dropped": {
			journal:     intent("A") + `{"tsr":"A","ok":fa`,
			want:        map[string]journalEntry{"A": {uncertain: true}},
			wantJournal: intent("A"),
			warning:     "dropped a torn last line (18 bytes)",
		},
		"torn results tail dropped": {
			journal:     intent("A"),
			results:     `{"tsr":"A","ok":tr`,
			want:        map[string]journalEntry{"A": {uncertain: true}},
			wantResults: "",
			warning:     "dropped a torn last line (18 bytes)",
		},
		"whole tail completed": {
			results:     `{"tsr":"A","ok":true}`,
			want:        map[string]journalEntry{"A": {final: 1}},
			wantResults: `{"tsr":"A","ok":true}` + "\n",
		},
		"zeros after a crash": {
			results:     `{"tsr":"A","ok":true}` + "\n\x00\x00\x00\x00",
			want:        map[string]journalEntry{"A": {final: 1}},
			wantResults: `{"tsr":"A","ok":true}` + "\n",
			warning:     "torn last line",
		},
		"garbage in the middle is ignored": {
			results: "not json\n" + `{"tsr":"A","ok":true}` + "\n",
			want:    map[string]journalEntry{"A": {final: 1}},
			warning: "line 1 is not a result or intent line",
		},
		"an earlier version's intent in the results file still counts": {
			results: intent("A") + intent("B") + `{"tsr":"B","ok":true}` + "\n",
			want:    map[string]journalEntry{"A": {uncertain: true}, "B": {final: 1}},
			warning: "2 lines are intent or unsettled lines",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.jsonl")
			header := testHeader(testTarget, path)
			if err := os.WriteFile(path, []byte(tt.results), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path+JournalSuffix, []byte(header+tt.journal), 0o600); err != nil {
				t.Fatal(err)
			}
			var warn bytes.Buffer
			j, err := openJournal(path, testTarget, "Tsr", "tsr", false, &warn)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := j.close(); err != nil {
				t.Fatal(err)
			}
			if len(j.index) != len(tt.want) {
				t.Errorf("index %+v, want %+v", j.index, tt.want)
			}
			for tsr, w := range tt.want {
				if e := j.index[tsr]; (e.final != 0) != (w.final != 0) || e.resend() != w.uncertain {
					t.Errorf("%s: %+v, want %+v", tsr, e, w)
				}
			}
			if tt.wantResults != "" || strings.Contains(name, "results tail") {
				if b, _ := os.ReadFile(path); string(b) != tt.wantResults {
					t.Errorf("results file after opening: %q, want %q", b, tt.wantResults)
				}
			}
			if tt.wantJournal != "" {
				if b, _ := os.ReadFile(path + JournalSuffix); string(b) != header+tt.wantJournal {
					t.Errorf("journal after opening: %q, want %q", b, header+tt.wantJournal)
				}
			}
			if !strings.Contains(warn.String(), tt.warning) || (tt.warning == "" && warn.Len() > 0) {
				t.Errorf("warning %q, want %q", warn.String(), tt.warning)
			}
		})
	}
}

// testHeader is the journal header of tgt for the results file path.
func testHeader(tgt Target, path string) string {
	return string(HeaderLine(filepath.Base(path), tgt))
}
