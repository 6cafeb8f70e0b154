package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ecpay-go/einvoice/internal/input"
)

// load indexes the records of lf from offset on and repairs its last line.
func (j *journal) load(lf *logFile, offset int64, warn io.Writer) error {
	isResults := lf == j.results
	var strays int
	tail, err := scanRecords(io.NewSectionReader(lf.f, offset, 1<<62), func(rec *Record, start int64) {
		if !j.fold(rec, offset+start, isResults) {
			strays++
		}
	}, func(number int) {
		fmt.Fprintf(warn, "ecpay-invoice: %s: line %d is not a result or intent line; ignored\n", lf.path, number+lineOffset(isResults))
	})
	if err != nil {
		return fmt.Errorf("--out: reading %s: %v", lf.path, err)
	}
	if strays > 0 {
		where := "final results, which belong in " + j.results.path
		if isResults {
			where = "intent or unsettled lines (an earlier version's?), which belong in " + j.log.path
		}
		fmt.Fprintf(warn, "ecpay-invoice: %s: %d lines are %s; they are read as such\n", lf.path, strays, where)
	}
	switch {
	case tail.whole:
		if _, err := lf.f.Write([]byte("\n")); err != nil {
			return fmt.Errorf("--out: repairing %s: %v", lf.path, err)
		}
	case tail.torn:
		if err := lf.f.Truncate(offset + tail.start); err != nil {
			return fmt.Errorf("--out: repairing %s: %v", lf.path, err)
		}
		fmt.Fprintf(warn, "ecpay-invoice: %s: dropped a torn last line (%d bytes) left by an interrupted run\n", lf.path, tail.end-tail.start)
	}
	return nil
}

// lineOffset is the number of lines before the records of a file: the
// journal's header.
func lineOffset(isResults bool) int {
	if isResults {
		return 0
	}
	return 1
}

// recordsTail is how a file's last line ended.
type recordsTail struct {
	start, end int64 // the last line's offsets
	// whole: the last line is a record but lacks its "\n"; torn: it is
	// cut short (not a record, no "\n").
	whole, torn bool
}

// scanRecords reads the records of r, one per line, calling record with
// each valid one and its offset, and bad with the number of each line that is
// not a record. Blank lines are skipped. It reads one line at a time, of at
// most MaxRecordBytes: the reader of files that may have been cut by a crash
// or written by anyone, so it must accept any bytes.
func scanRecords(r io.Reader, record func(rec *Record, start int64), bad func(number int)) (recordsTail, error) {
	lr := input.NewLineReader(r, MaxRecordBytes)
	for {
		line, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return recordsTail{}, nil
		}
		if err != nil {
			return recordsTail{}, err
		}
		rec, valid := decodeRecord(lr, line)
		if !lr.Terminated {
			// The last line, cut short by an interrupted write:
			// complete it if it is whole, drop it otherwise.
			if valid {
				record(&rec, lr.Start)
				return recordsTail{start: lr.Start, end: lr.End, whole: true}, nil
			}
			return recordsTail{start: lr.Start, end: lr.End, torn: true}, nil
		}
		if !lr.TooLong && len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !valid {
			bad(lr.Number)
			continue
		}
		record(&rec, lr.Start)
	}
}

// decodeRecord decodes line, which lr has just read from either file, as a
// record: ok is false for a line too long, not JSON, or neither an intent nor
// a result.
func decodeRecord(lr *input.LineReader, line []byte) (rec Record, ok bool) {
	if lr.TooLong || json.Unmarshal(line, &rec) != nil {
		return Record{}, false
	}
	return rec, rec.Sending || rec.OK != nil
}

// fold applies one record, found at offset, to the index. It reports false
// for a record in the other file than the one it belongs in (it is applied
// all the same).
func (j *journal) fold(rec *Record, offset int64, inResults bool) bool {
	e := j.index[rec.Key]
	if e.final != 0 {
		return true
	}
	isResult, final := rec.IsResult()
	switch {
	case final && inResults:
		e = journalEntry{final: offset + 1}
	case final:
		// A final line in the journal settles nothing the results file
		// does not: it is not offered for skipping.
		return false
	case isResult:
		// The answer to the open attempt.
		e.open = false
		if rec.Error != nil && rec.Error.MaybeSent {
			e.uncertain = true
		}
	default:
		// An intent: an earlier one still open was never answered.
		if e.open {
			e.uncertain = true
		}
		e.open = true
	}
	if e == (journalEntry{}) {
		delete(j.index, rec.Key)
	} else {
		j.index[rec.Key] = e
	}
	return final == inResults
}
