package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// maxRecordBytes bounds one line of the --out file; a result line is a few
// hundred bytes.
const maxRecordBytes = 64 << 10

// journal is the --out file. It holds the result lines printed on stdout
// and, written and synced just before each request goes out, an intent
// line {"tsr":"…","sending":true}. A rerun reads it back: a Tsr with a
// final result is skipped, and one whose last attempt has an intent but no
// answer (the process died with the call in flight) or a failure that may
// have reached ECPay is resent and marked resent.
//
// Lines are appended whole by one goroutine, so only the last line can be
// torn (by kill -9 or a crash); opening the file drops such a line.
type journal struct {
	path    string
	f       *os.File
	index   map[string]journalEntry
	scratch []byte // finalResult's buffer

	writes chan journalWrite
	done   chan struct{}

	mu  sync.Mutex
	err error // the first write or sync error; the journal refuses intents after it
}

// journalEntry is what the file says of one Tsr.
type journalEntry struct {
	// final is the offset of the Tsr's first final result line, plus one;
	// 0 when there is none.
	final int64
	// uncertain reports that the last attempt may have reached ECPay
	// without an answer recorded.
	uncertain bool
}

// journalRecord reads a line of either form.
type journalRecord struct {
	Tsr     string       `json:"tsr"`
	Sending bool         `json:"sending"`
	OK      *bool        `json:"ok"`
	Error   *resultError `json:"error"`
}

// intentRecord is the line written before a request goes out.
type intentRecord struct {
	Tsr     string `json:"tsr"`
	Sending bool   `json:"sending"`
}

type journalWrite struct {
	line   []byte
	synced chan error // nil: the writer does not wait
}

// openJournal opens (creating it if need be) and locks the --out file at
// path, reads what earlier runs recorded, repairs a torn last line, and
// starts the writer. Notes about repairs go to warn.
func openJournal(path string, warn io.Writer) (*journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file: the results file must be one, to be synced and repaired", path)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s is in use by another run (%v): two runs on one results file could cancel a Tsr twice", path, err)
	}
	// A new file's name must survive a crash as its lines do.
	syncDir(filepath.Dir(path))
	j := &journal{path: path, f: f, index: make(map[string]journalEntry)}
	if err := j.load(warn); err != nil {
		f.Close()
		return nil, err
	}
	j.writes = make(chan journalWrite, 64)
	j.done = make(chan struct{})
	go j.loop()
	return j, nil
}

// load indexes the file's records.
func (j *journal) load(warn io.Writer) error {
	if _, err := j.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	lr := newLineReader(j.f, maxRecordBytes)
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", j.path, err)
		}
		var rec journalRecord
		valid := !lr.tooLong && json.Unmarshal(line, &rec) == nil && (rec.Sending || rec.OK != nil)
		if !lr.terminated {
			// The last line, cut short by an interrupted write:
			// complete it if it is whole, drop it otherwise.
			if valid {
				if _, err := j.f.Write([]byte("\n")); err != nil {
					return fmt.Errorf("repairing %s: %w", j.path, err)
				}
				j.apply(&rec, lr.start)
				return nil
			}
			if err := j.f.Truncate(lr.start); err != nil {
				return fmt.Errorf("repairing %s: %w", j.path, err)
			}
			fmt.Fprintf(warn, "ecpay-invoice: %s: dropped a torn last line (%d bytes) left by an interrupted run\n", j.path, lr.end-lr.start)
			return nil
		}
		if len(bytes.TrimSpace(line)) == 0 && !lr.tooLong {
			continue
		}
		if !valid {
			fmt.Fprintf(warn, "ecpay-invoice: %s: line %d is not a result or intent line; ignored\n", j.path, lr.number)
			continue
		}
		j.apply(&rec, lr.start)
	}
}

// apply folds one record, found at offset, into the index.
func (j *journal) apply(rec *journalRecord, offset int64) {
	e := j.index[rec.Tsr]
	if e.final != 0 {
		return
	}
	if rec.Sending {
		e.uncertain = true
	} else {
		r := result{OK: *rec.OK, Error: rec.Error}
		if r.final() {
			e.final, e.uncertain = offset+1, false
		} else {
			e.uncertain = rec.Error != nil && rec.Error.MaybeSent
		}
	}
	if e == (journalEntry{}) {
		delete(j.index, rec.Tsr)
		return
	}
	j.index[rec.Tsr] = e
}

// lookup returns what earlier runs recorded of tsr.
func (j *journal) lookup(tsr string) journalEntry { return j.index[tsr] }

// finalResult reads back the final result line recorded for an entry. It
// is called by one goroutine at a time.
func (j *journal) finalResult(e journalEntry) (result, error) {
	var r result
	offset := e.final - 1
	if j.scratch == nil {
		j.scratch = make([]byte, 1024)
	}
	for {
		n, err := j.f.ReadAt(j.scratch, offset)
		if line, _, found := bytes.Cut(j.scratch[:n], []byte("\n")); found {
			if err := json.Unmarshal(line, &r); err != nil {
				return r, fmt.Errorf("reading %s: %w", j.path, err)
			}
			return r, nil
		}
		if err != nil || len(j.scratch) >= maxRecordBytes {
			return r, fmt.Errorf("reading %s: no whole line at offset %d", j.path, offset)
		}
		j.scratch = make([]byte, 2*len(j.scratch))
	}
}

// intent records, durably, that a request for tsr is about to be sent. It
// fails, and the request must not be sent, if the file cannot be written.
func (j *journal) intent(tsr string) error {
	if err := j.failed(); err != nil {
		return err
	}
	line, err := json.Marshal(intentRecord{Tsr: tsr, Sending: true})
	if err != nil {
		return err
	}
	synced := make(chan error, 1)
	j.writes <- journalWrite{line: append(line, '\n'), synced: synced}
	return <-synced
}

// record appends a result line (which ends with "\n"). It does not wait:
// the line is synced with the next intent or at close, and a line lost to a
// crash leaves its intent unanswered, so the Tsr is marked resent.
func (j *journal) record(line []byte) {
	j.writes <- journalWrite{line: bytes.Clone(line)}
}

// loop is the only writer of the file. It writes what is queued in one go
// and syncs once for all intents waiting, so that concurrent requests share
// a sync.
func (j *journal) loop() {
	defer close(j.done)
	var buf []byte
	var waiting []chan error
	for w := range j.writes {
		buf = append(buf[:0], w.line...)
		waiting = waiting[:0]
		if w.synced != nil {
			waiting = append(waiting, w.synced)
		}
	drain:
		for len(buf) < 1<<20 {
			select {
			case w, ok := <-j.writes:
				if !ok {
					break drain
				}
				buf = append(buf, w.line...)
				if w.synced != nil {
					waiting = append(waiting, w.synced)
				}
			default:
				break drain
			}
		}
		err := j.failed()
		if err == nil {
			_, err = j.f.Write(buf)
			if err == nil && len(waiting) > 0 {
				err = j.f.Sync()
			}
			if err != nil {
				err = fmt.Errorf("writing %s: %w", j.path, err)
				j.mu.Lock()
				j.err = err
				j.mu.Unlock()
			}
		}
		for _, c := range waiting {
			c <- err
		}
	}
}

// syncDir syncs a directory's entries, where the system allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

func (j *journal) failed() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// close writes what is queued, syncs and closes the file. No intent or
// record may follow.
func (j *journal) close() error {
	close(j.writes)
	<-j.done
	err := j.failed()
	if serr := j.f.Sync(); err == nil && serr != nil {
		err = fmt.Errorf("syncing %s: %w", j.path, serr)
	}
	if cerr := j.f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return err
}
