package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ecpay-go/einvoice/internal/input"

	"github.com/ecpay-go/einvoice/wrapper"
)

// MaxRecordBytes bounds one line of the results file and of the journal,
// written and read: the batch writes no longer line (encodeResult), so
// every line it writes is read back. A line is a few hundred bytes; the
// longest has a key of MaxKeyBytes bytes, at most twice that once encoded
// (a key sent has no control character), beside messages capped to
// redact.Limit.
const MaxRecordBytes = 4 * MaxKeyBytes

// JournalSuffix names the journal beside the results file: FILE.journal.
const JournalSuffix = ".journal"

// journalVersion is the format of the journal's header line.
const journalVersion = 1

// Target is what a results file belongs to: the operation, where it was
// sent and for whom. Never a key.
type Target struct {
	Operation  string `json:"operation"`
	BaseURL    string `json:"base_url"`
	MerchantID string `json:"merchant_id"`
	PlatformID string `json:"platform_id,omitempty"`
}

func (t Target) String() string {
	where := t.BaseURL
	switch t.BaseURL {
	case wrapper.StageURL:
		where = "--env stage (" + t.BaseURL + ")"
	case wrapper.ProductionURL:
		where = "--env prod (" + t.BaseURL + ")"
	}
	s := fmt.Sprintf("%s on %s for merchant %s", t.Operation, where, t.MerchantID)
	if t.PlatformID != "" {
		s += " of platform " + t.PlatformID
	}
	return s
}

// journalHeader is the first line of the journal.
type journalHeader struct {
	Journal int `json:"ecpay_invoice_journal"`
	// Results is the results file's base name, for whoever reads the
	// journal.
	Results string `json:"results"`
	Target
}

// journal keeps a batch's --out results file and its companion journal
// FILE.journal, so that a rerun resumes where a run stopped, however it
// stopped, without sending a settled key again.
//
// The results file holds only final result lines, exactly as stdout printed
// them, one per key across runs. The journal (created 0600, locked like the
// results file while a run has them open) starts with a header recording the
// target, then holds, written and synced just before each request goes out,
// an intent line {"tsr":"…","sending":true}, and the result lines of the
// attempts that did not settle their key (transport, HTTP, decode failures).
// A rerun skips a key with a final result, and resends, marked resent, one
// whose attempt may have reached ECPay without an answer being recorded: an
// intent with no answer after it (the process died with the call in flight),
// or a failure marked maybe_sent.
//
// Both files are synced together before each request (one sync of each for
// all the intents waiting), so a final result is as durable as the intent
// after it. The index holds an entry per key the files settle or leave
// uncertain, so a rerun's memory grows with its results file (some 70 bytes
// per key), not with its input.
//
// Lines are appended whole by one goroutine, so only the last line of each
// file can be torn (by kill -9, a crash or a full disk); opening drops such a
// line, or completes it when it is whole but for its "\n". After a failed
// write a file is not written again, and the journal refuses intents: the
// batch stops sending.
type journal struct {
	results, log *logFile
	member       string // the key's member in intent lines: tsr
	index        map[string]journalEntry
	scratch      []byte // finalResult's buffer

	writes chan journalWrite
	done   chan struct{}
	// onFail is called, from the writer, at the first failed write or
	// sync of either file.
	onFail func(error)

	mu        sync.Mutex
	unwritten []string // keys of final results that could not be written
}

// logFile is one of the two files.
type logFile struct {
	path  string
	f     *os.File
	dirty bool  // written since the last sync
	err   error // the first write or sync error; nothing is written after it
}

// journalEntry is what the files say of one key.
type journalEntry struct {
	// final is the offset of the key's final result line in the results
	// file, plus one; 0 when there is none.
	final int64
	// uncertain reports that an earlier attempt may have reached ECPay
	// without its answer recorded.
	uncertain bool
	// open reports an intent whose answer has not been read (yet): at the
	// end of the journal, an attempt in flight when a run died.
	open bool
}

// resend reports whether a key not settled yet must be marked resent.
func (e journalEntry) resend() bool { return e.uncertain || e.open }

// Record reads a line of either file: an intent or a result. Its first
// member is the key (see Result).
type Record struct {
	Key     string       `json:"-"`
	Sending bool         `json:"sending"`
	OK      *bool        `json:"ok"`
	Error   *resultError `json:"error"`
	Outcome string       `json:"outcome"`
}

// IsResult reports whether the record is a result line, and final whether
// that result settles its key.
func (rec *Record) IsResult() (isResult, final bool) {
	if rec.Sending || rec.OK == nil {
		return false, false
	}
	r := Result{Answer: Answer{OK: *rec.OK, Error: rec.Error}, Outcome: rec.Outcome}
	return true, r.Final()
}

// recordFields is Record without its methods, for its JSON.
type recordFields Record

// UnmarshalJSON reads a line of either file: its first member is the key.
func (rec *Record) UnmarshalJSON(data []byte) error {
	_, key, err := firstMember(data)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, (*recordFields)(rec)); err != nil {
		return err
	}
	rec.Key = key
	return nil
}

// intentLine is the line written before a request for key goes out:
// {"tsr":"…","sending":true}, the key under member.
func intentLine(member, key string) []byte {
	// Strings always encode.
	name, _ := json.Marshal(member)
	value, _ := json.Marshal(key)
	line := make([]byte, 0, len(name)+len(value)+19)
	line = append(append(append(append(line, '{'), name...), ':'), value...)
	return append(line, `,"sending":true}`+"\n"...)
}

type journalWrite struct {
	line      []byte
	toResults bool         // a final result, for the results file; else for the journal
	tsr       string       // the key of a final result
	synced    chan<- error // an intent's: the writer reports the sync on it
}

// openJournal opens (creating them if need be) and locks the results file at
// path and its journal, for a batch whose key is named key (member in its
// lines), checks that they belong to tgt, reads what earlier
// runs recorded, repairs torn last lines and starts the writer. A results
// file without a journal (an earlier version's, which also holds intent
// lines) is refused unless adopt is set: then it is converted, for tgt. Notes
// about repairs go to warn. Errors are usage errors: the run must not start.
func openJournal(path string, tgt Target, key, member string, adopt bool, warn io.Writer) (*journal, error) {
	jpath := path + JournalSuffix
	hasResults, err := nonEmptyRegular(path)
	if err != nil {
		return nil, err
	}
	hasJournal, err := nonEmptyRegular(jpath)
	if err != nil {
		return nil, err
	}
	switch {
	case adopt && hasJournal:
		return nil, fmt.Errorf("--adopt is for a results file without its journal, and %s has one", jpath)
	case adopt && !hasResults:
		return nil, fmt.Errorf("--adopt: %s holds no results to adopt", path)
	case adopt:
		if err := adoptResults(path, jpath, tgt, warn); err != nil {
			return nil, err
		}
	case hasResults && !hasJournal:
		return nil, fmt.Errorf("--out %s has no journal %s: an earlier version of ecpay-invoice wrote it (or its journal was removed), so nothing records which operation, environment and merchant its results belong to; if they are this run's, %s, rerun with --adopt to record that (its intent lines move to the journal); otherwise give another --out", path, jpath, tgt)
	}

	j := &journal{index: make(map[string]journalEntry), member: member}
	if j.log, err = openLogFile(jpath, 0o600, key); err != nil {
		return nil, err
	}
	if j.results, err = openLogFile(path, 0o644, key); err != nil {
		j.log.f.Close()
		return nil, err
	}
	fail := func(err error) (*journal, error) {
		j.log.f.Close()
		j.results.f.Close()
		return nil, err
	}
	// A new file's name must survive a crash as its lines do.
	syncDir(filepath.Dir(path))
	headerEnd, err := j.checkHeader(tgt, filepath.Base(path), hasResults)
	if err != nil {
		return fail(err)
	}
	if err := j.load(j.results, 0, warn); err != nil {
		return fail(err)
	}
	if err := j.load(j.log, headerEnd, warn); err != nil {
		return fail(err)
	}
	j.writes = make(chan journalWrite, 64)
	j.done = make(chan struct{})
	go j.loop()
	return j, nil
}

// nonEmptyRegular reports whether path is a regular file with content; a
// path that is something else (a directory, a device) is an error.
func nonEmptyRegular(path string) (bool, error) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("--out: %v", err)
	case !info.Mode().IsRegular():
		return false, notRegular(path)
	}
	return info.Size() > 0, nil
}

// notRegular is the error for an --out path that is not a regular file.
func notRegular(path string) error {
	return fmt.Errorf("--out: %s is not a regular file: the results file and its journal must be, to be synced and repaired", path)
}

// openLogFile opens and locks one of the two files for appending.
func openLogFile(path string, perm os.FileMode, key string) (*logFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, perm)
	if err != nil {
		return nil, fmt.Errorf("--out: %v", err)
	}
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, notRegular(path)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--out: %s is in use by another run (%v): two runs on one results file could send a %s twice", path, err, key)
	}
	return &logFile{path: path, f: f}, nil
}

// checkHeader reads the journal's header, or writes it into an empty
// journal, and checks that the files belong to tgt. It returns the offset
// after the header. hasResults says whether the results file holds any.
func (j *journal) checkHeader(tgt Target, resultsName string, hasResults bool) (int64, error) {
	lr := input.NewLineReader(io.NewSectionReader(j.log.f, 0, 1<<62), MaxRecordBytes)
	line, err := lr.Next()
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("--out: reading %s: %v", j.log.path, err)
	}
	if errors.Is(err, io.EOF) || (!lr.Terminated && !json.Valid(line) && !hasResults) {
		// A new journal, or one whose header a crash cut short before
		// anything was sent: nothing follows a header that was never
		// whole.
		if err := j.log.f.Truncate(0); err != nil {
			return 0, fmt.Errorf("--out: %v", err)
		}
		h := HeaderLine(resultsName, tgt)
		if len(h) > MaxRecordBytes+1 {
			return 0, fmt.Errorf("--out: the journal's header would be longer than %s, more than a rerun reads: give a shorter --base-url", input.SizeName(MaxRecordBytes))
		}
		if _, err := j.log.f.Write(h); err != nil {
			return 0, fmt.Errorf("--out: writing %s: %v", j.log.path, err)
		}
		if err := j.log.f.Sync(); err != nil {
			return 0, fmt.Errorf("--out: syncing %s: %v", j.log.path, err)
		}
		return int64(len(h)), nil
	}
	h, ok := ParseHeader(line)
	if !ok || lr.TooLong {
		return 0, fmt.Errorf("--out: %s does not start with the header of an ecpay-invoice journal: it is no journal of this command; move it aside or give another --out", j.log.path)
	}
	if h.Target != tgt {
		return 0, fmt.Errorf("--out %s holds the results of %s, not of this run's %s: give another --out for this target", j.results.path, h.Target, tgt)
	}
	if !lr.Terminated {
		if _, err := j.log.f.Write([]byte("\n")); err != nil {
			return 0, fmt.Errorf("--out: repairing %s: %v", j.log.path, err)
		}
	}
	return lr.End, nil
}

// HeaderLine is the journal's first line, "\n" included, for tgt's results
// file named resultsName.
func HeaderLine(resultsName string, tgt Target) []byte {
	// Strings and an int: it always encodes.
	h, _ := json.Marshal(journalHeader{Journal: journalVersion, Results: resultsName, Target: tgt})
	return append(h, '\n')
}

// ParseHeader decodes a journal header line.
func ParseHeader(line []byte) (journalHeader, bool) {
	var h journalHeader
	if json.Unmarshal(line, &h) != nil || h.Journal != journalVersion || h.Operation == "" {
		return journalHeader{}, false
	}
	return h, true
}

// lookup returns what earlier runs recorded of tsr. It is safe to call
// from several goroutines: the index does not change once open.
func (j *journal) lookup(tsr string) journalEntry { return j.index[tsr] }

// finalResult reads back the final result line recorded for an entry. It
// is called by one goroutine at a time.
func (j *journal) finalResult(e journalEntry) (Result, error) {
	var r Result
	offset := e.final - 1
	if j.scratch == nil {
		j.scratch = make([]byte, 1024)
	}
	for {
		n, err := j.results.f.ReadAt(j.scratch, offset)
		if line, _, found := bytes.Cut(j.scratch[:n], []byte("\n")); found {
			if err := json.Unmarshal(line, &r); err != nil {
				return r, fmt.Errorf("reading %s: %w", j.results.path, err)
			}
			return r, nil
		}
		// A line of MaxRecordBytes and its "\r\n" fit in the last.
		if err != nil || len(j.scratch) >= MaxRecordBytes+2 {
			return r, fmt.Errorf("reading %s: no whole line at offset %d", j.results.path, offset)
		}
		j.scratch = make([]byte, min(2*len(j.scratch), MaxRecordBytes+2))
	}
}

// Files returns the two paths of --out path, for messages and for
// os.SameFile checks.
func Files(path string) []string { return []string{path, path + JournalSuffix} }

// joinKeys lists keys for a message.
func joinKeys(tsrs []string) string {
	quoted := make([]string, len(tsrs))
	for i, t := range tsrs {
		quoted[i] = fmt.Sprintf("%q", t)
	}
	return strings.Join(quoted, ", ")
}
