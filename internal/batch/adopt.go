package batch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ecpay-go/einvoice/internal/input"
)

// adoptResults converts a results file without a journal, such as the
// previous version's (final results and intent lines in one file), for tgt:
// its final results stay (the first per key), its intent and unsettled lines
// move to a new journal whose header records tgt. Each file is written
// beside and renamed into place, the journal first, so that a crash at any
// point leaves files that read as before.
func adoptResults(path, jpath string, tgt Target, warn io.Writer) error {
	src, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("--out: %v", err)
	}
	defer src.Close()
	if err := lockFile(src); err != nil {
		return fmt.Errorf("--out: %s is in use by another run (%v)", path, err)
	}
	dir := filepath.Dir(path)
	newResults, err := os.CreateTemp(dir, filepath.Base(path)+".adopt-*")
	if err != nil {
		return fmt.Errorf("--adopt: %v", err)
	}
	defer os.Remove(newResults.Name())
	defer newResults.Close()
	newLog, err := os.CreateTemp(dir, filepath.Base(jpath)+".adopt-*")
	if err != nil {
		return fmt.Errorf("--adopt: %v", err)
	}
	defer os.Remove(newLog.Name())
	defer newLog.Close()
	_, werr := newLog.Write(HeaderLine(filepath.Base(path), tgt))
	put := func(f *os.File, line []byte) {
		if werr == nil {
			_, werr = f.Write(append(line, '\n'))
		}
	}
	settled := map[string]bool{}
	var kept, moved, dropped int
	lr := input.NewLineReader(src, MaxRecordBytes)
	for {
		line, err := lr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("--adopt: reading %s: %v", path, err)
		}
		rec, ok := decodeRecord(lr, line)
		if !ok {
			if len(bytes.TrimSpace(line)) > 0 || lr.TooLong {
				dropped++
			}
			continue
		}
		switch _, final := rec.IsResult(); {
		case final && settled[rec.Key]:
			dropped++
		case final:
			settled[rec.Key] = true
			put(newResults, line)
			kept++
		default:
			put(newLog, line)
			moved++
		}
	}
	if werr == nil {
		werr = newLog.Sync()
	}
	if werr == nil {
		werr = newResults.Sync()
	}
	if werr == nil {
		werr = newLog.Chmod(0o600)
	}
	if werr == nil {
		werr = newResults.Chmod(0o644)
	}
	if werr == nil {
		werr = os.Rename(newLog.Name(), jpath)
	}
	if werr == nil {
		werr = os.Rename(newResults.Name(), path)
	}
	if werr != nil {
		return fmt.Errorf("--adopt: %v", werr)
	}
	syncDir(dir)
	note := fmt.Sprintf("ecpay-invoice: adopted %s for %s: %d final results kept, %d intent and unsettled lines moved to %s", path, tgt, kept, moved, jpath)
	if dropped > 0 {
		note += fmt.Sprintf(", %d unreadable or repeated lines dropped", dropped)
	}
	fmt.Fprintln(warn, note)
	return nil
}
