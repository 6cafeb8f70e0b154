package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestRerunSaysEarlierFailuresMakeTheExitStatus(t *testing.T) {
	tests := map[string]struct {
		more    string // one more --tsr value for the rerun, when set
		code    int
		counts  string // the summary's counts
		want    string // in the summary, RESULTS for the results file
		notWant string // not in the summary, when set
	}{
		"all skipped": {
			code:   exitRefused,
			counts: "3 Tsrs: 0 ok, 0 failed, 3 skipped",
			want:   "; 2 skipped Tsrs failed in an earlier run (see RESULTS): exit status 1 for them",
		},
		"one more sent, ok": {
			more:   "NEW",
			code:   exitRefused,
			counts: "4 Tsrs: 1 ok, 0 failed, 3 skipped",
			want:   "; 2 skipped Tsrs failed in an earlier run (see RESULTS): exit status 1 for them",
		},
		"one more refused now": {
			more:    "NEVER-ADDED",
			code:    exitRefused,
			counts:  "4 Tsrs: 0 ok, 1 failed, 3 skipped",
			want:    "; 2 skipped Tsrs failed in an earlier run (see RESULTS)",
			notWant: "for them",
		},
		"one more invalid now": {
			more:    strings.Repeat("Z", 31),
			code:    exitInvalid,
			counts:  "4 Tsrs: 0 ok, 1 failed, 3 skipped",
			want:    "; 2 skipped Tsrs failed in an earlier run (see RESULTS)",
			notWant: "for them",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			sim := newSim(t, "DONE", "NEW")
			out := filepath.Join(t.TempDir(), "results.jsonl")
			// GONE1 and GONE2 are no invoice of the simulator's: refused.
			args := []string{"cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--out", out, "--tsr", "DONE", "--tsr", "GONE1", "--tsr", "GONE2"}
			first := runBinary(t, invocation{args: args})
			if first.code != exitRefused || strings.Contains(first.stderr, "earlier run") {
				t.Fatalf("first run: exit status %d, want %d and no word of an earlier run; stderr:\n%s", first.code, exitRefused, first.stderr)
			}
			if tt.more != "" {
				args = append(args, "--tsr", tt.more)
			}
			rerun := runBinary(t, invocation{args: args})
			if rerun.code != tt.code {
				t.Errorf("rerun: exit status %d, want %d", rerun.code, tt.code)
			}
			want := strings.ReplaceAll(tt.want, "RESULTS", out)
			if !strings.Contains(rerun.stderr, tt.counts) || !strings.Contains(rerun.stderr, want) || (tt.notWant != "" && strings.Contains(rerun.stderr, tt.notWant)) {
				t.Errorf("rerun's summary lacks %q or %q, or holds %q:\n%s", tt.counts, want, tt.notWant, rerun.stderr)
			}
		})
	}
}
