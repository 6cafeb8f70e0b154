//go:build unix

package input_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ecpay-go/einvoice/internal/input"
)

// A FIFO's open waits for a writer, and its read for data: either ends when
// the context does.
func TestPipeWaitsEndWithTheContext(t *testing.T) {
	mkfifo := func(t *testing.T) string {
		fifo := filepath.Join(t.TempDir(), "fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skip("no FIFOs here:", err)
		}
		return fifo
	}
	cause := errors.New("the test's signal")

	t.Run("open with no writer", func(t *testing.T) {
		fifo := mkfifo(t)
		ctx, cancel := context.WithCancelCause(context.Background())
		opened := make(chan error, 1)
		go func() {
			in, err := input.Open(ctx, "--file", fifo, 1<<20)
			if in != nil {
				in.Close()
			}
			opened <- err
		}()
		cancel(cause)
		if err := <-opened; !errors.Is(err, cause) {
			t.Fatalf("Open = %v, want the context's cause", err)
		}
	})

	t.Run("read with a writer that writes nothing", func(t *testing.T) {
		fifo := mkfifo(t)
		ctx, cancel := context.WithCancelCause(context.Background())
		w := make(chan *os.File, 1)
		go func() {
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				t.Error(err)
			}
			w <- f
		}()
		in, err := input.Open(ctx, "--file", fifo, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		writer := <-w
		defer writer.Close()
		if _, err := writer.Write([]byte("T1\n")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 10)
		if n, err := in.Read(buf); err != nil || string(buf[:n]) != "T1\n" {
			t.Fatalf("Read = %q, %v", buf[:n], err)
		}
		read := make(chan error, 1)
		go func() {
			_, err := in.Read(buf)
			read <- err
		}()
		cancel(cause)
		if err := <-read; !errors.Is(err, cause) {
			t.Fatalf("Read = %v, want the context's cause", err)
		}
	})
}
