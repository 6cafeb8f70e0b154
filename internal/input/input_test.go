package input_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/internal/input"
)

func TestOpenRefusesWhatIsNotAFileOrAPipe(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ path, kind string }{
		"a character device that never ends": {"/dev/zero", "a character device"},
		"a directory":                        {dir, "a directory"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := os.Stat(tc.path); err != nil {
				t.Skip(err)
			}
			in, err := input.Open(context.Background(), "--file", tc.path, 1<<20)
			var nf *input.NotAFileError
			if !errors.As(err, &nf) {
				if in != nil {
					in.Close()
				}
				t.Fatalf("Open(%s) = %v, want a *NotAFileError", tc.path, err)
			}
			for _, want := range []string{"--file", tc.path, tc.kind, "not a regular file or a pipe"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestOpenNamesTheFlag(t *testing.T) {
	_, err := input.Open(context.Background(), "--record", filepath.Join(t.TempDir(), "missing"), 1<<20)
	if err == nil || !strings.HasPrefix(err.Error(), "--record: ") || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open of a missing file = %v, want an error naming --record and wrapping ErrNotExist", err)
	}
}

func TestReadStopsAtTheBound(t *testing.T) {
	const limit = 100
	path := filepath.Join(t.TempDir(), "f")
	for name, tc := range map[string]struct {
		size    int
		tooLong bool
	}{
		"exactly the bound": {limit, false},
		"one byte over":     {limit + 1, true},
		"far over":          {50 * limit, true},
	} {
		t.Run(name, func(t *testing.T) {
			data := strings.Repeat("x", tc.size)
			if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			in, err := input.Open(context.Background(), "--file", path, limit)
			var tl *input.TooLargeError
			if tc.tooLong {
				if !errors.As(err, &tl) || tl.Limit != limit {
					t.Fatalf("Open of %d bytes = %v, want a *TooLargeError", tc.size, err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(in)
				in.Close()
				if err != nil || len(got) != tc.size {
					t.Fatalf("read %d bytes, %v; want %d, nil", len(got), err, tc.size)
				}
			}
			// A stream, whose size is not known before, ends at the bound.
			got, err := io.ReadAll(input.Stream(context.Background(), "--file", "stdin", strings.NewReader(data), limit))
			if tc.tooLong != errors.As(err, &tl) || len(got) != min(tc.size, limit) {
				t.Fatalf("stream of %d bytes: read %d, %v", tc.size, len(got), err)
			}
			if tc.tooLong && !strings.Contains(err.Error(), "longer than 100 bytes") {
				t.Errorf("error %q does not state the bound", err)
			}
		})
	}
}

func TestSizeName(t *testing.T) {
	for n, want := range map[int64]string{1 << 30: "1 GiB", 64 << 20: "64 MiB", 64 << 10: "64 KiB", 1000: "1000 bytes"} {
		if got := input.SizeName(n); got != want {
			t.Errorf("SizeName(%d) = %q, want %q", n, got, want)
		}
	}
}
