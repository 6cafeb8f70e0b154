//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A signal while --replay waits for a FIFO's writer, or while it loads
// the recording, ends ecpay-sim with status 0 before it serves: no URL.
func TestRunReplayHonoursSignals(t *testing.T) {
	const line = recordedLine + "\n"
	for _, tt := range []struct {
		name  string
		write bool // a writer opens the FIFO and writes a line, then waits
	}{
		{"a FIFO with no writer", false},
		{"a FIFO whose writer stops writing", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skip("no FIFOs here:", err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			var stdout, stderr bytes.Buffer
			done := make(chan int, 1)
			go func() { done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--replay", fifo}, &stdout, &stderr) }()
			if tt.write {
				w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // waits for the replay to open it
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close()
				if _, err := w.WriteString(line); err != nil {
					t.Fatal(err)
				}
			}
			cancel() // the signal
			if code := <-done; code != exitOK || stdout.Len() != 0 || !strings.Contains(stderr.String(), "stopped while loading the recording") {
				t.Errorf("exit status %d, stdout %q, stderr %q; want 0, no URL, and a line saying it stopped", code, stdout.String(), stderr.String())
			}
		})
	}
}
