package batch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sync"
)

// intent records, durably, that a request for key is about to be sent. It
// fails, and the request must not be sent, if either file could not be
// written.
func (j *journal) intent(key string) error {
	if err := j.failed(); err != nil {
		return err
	}
	synced := make(chan error, 1)
	j.writes <- journalWrite{line: intentLine(j.member, key), synced: synced}
	return <-synced
}

// record appends a result line (which ends with "\n"): a final one, for
// tsr, to the results file, any other to the journal. It does not wait: the
// line is synced with the next intent or at close, and a line lost to a
// crash leaves its intent unanswered, so the Tsr is marked resent.
func (j *journal) record(line []byte, tsr string, final bool) {
	j.writes <- journalWrite{line: bytes.Clone(line), toResults: final, tsr: tsr}
}

// loop is the only writer of the files. It writes what is queued in one go
// per file and syncs once for all intents waiting, so that concurrent
// requests share a sync.
func (j *journal) loop() {
	defer close(j.done)
	var results, log []byte
	var tsrs []string // the Tsrs of the lines in results
	var ends []int    // the offset in results after each of them
	var waiting []chan<- error
	for w := range j.writes {
		results, log, tsrs, ends, waiting = results[:0], log[:0], tsrs[:0], ends[:0], waiting[:0]
		for more := true; more; {
			if w.toResults {
				results = append(results, w.line...)
				tsrs, ends = append(tsrs, w.tsr), append(ends, len(results))
			} else {
				log = append(log, w.line...)
			}
			if w.synced != nil {
				waiting = append(waiting, w.synced)
			}
			if len(results)+len(log) >= 1<<20 {
				break
			}
			select {
			case w, more = <-j.writes:
			default:
				more = false
			}
		}
		if len(results) > 0 {
			n := j.write(j.results, results)
			for i, end := range ends {
				if end > n {
					j.mu.Lock()
					j.unwritten = append(j.unwritten, tsrs[i:]...)
					j.mu.Unlock()
					break
				}
			}
		}
		if len(log) > 0 {
			j.write(j.log, log)
		}
		if len(waiting) > 0 {
			// The two syncs overlap: the intents wait for the slower.
			var wg sync.WaitGroup
			wg.Go(func() { j.sync(j.results) })
			j.sync(j.log)
			wg.Wait()
		}
		err := j.failed()
		for _, c := range waiting {
			c <- err
		}
	}
}

// write appends b to lf unless lf has failed, and returns how many bytes
// it wrote.
func (j *journal) write(lf *logFile, b []byte) int {
	if j.fileErr(lf) != nil {
		return 0
	}
	n, err := lf.f.Write(b)
	lf.dirty = true
	if err != nil {
		j.setErr(lf, fmt.Errorf("writing %s: %w", lf.path, pathless(err)))
	}
	return n
}

// sync syncs lf if it was written since its last sync.
func (j *journal) sync(lf *logFile) {
	if !lf.dirty || j.fileErr(lf) != nil {
		return
	}
	lf.dirty = false
	if err := lf.f.Sync(); err != nil {
		j.setErr(lf, fmt.Errorf("syncing %s: %w", lf.path, pathless(err)))
	}
}

func (j *journal) setErr(lf *logFile, err error) {
	j.mu.Lock()
	first := j.results.err == nil && j.log.err == nil
	if lf.err == nil {
		lf.err = err
	}
	j.mu.Unlock()
	if first && j.onFail != nil {
		j.onFail(err)
	}
}

func (j *journal) fileErr(lf *logFile) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return lf.err
}

// failed returns the first write or sync error of either file.
func (j *journal) failed() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.results.err != nil {
		return j.results.err
	}
	return j.log.err
}

// pathless returns the cause of an *os.PathError, whose path the message
// names already.
func pathless(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// syncDir syncs a directory's entries, where the system allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// close writes what is queued, syncs and closes both files. No intent or
// record may follow. It returns the Tsrs whose final result could not be
// written to the results file (they are on stdout only), and the first
// error.
func (j *journal) close() (unwritten []string, err error) {
	close(j.writes)
	<-j.done
	j.sync(j.results)
	j.sync(j.log)
	err = j.failed()
	for _, lf := range []*logFile{j.results, j.log} {
		if cerr := lf.f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.unwritten, err
}
