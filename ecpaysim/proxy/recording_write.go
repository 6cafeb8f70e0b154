package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"sync"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/internal/redact"
)

// recorder appends exchanges to a recording, one write per line.
type recorder struct {
	mu sync.Mutex
	w  io.Writer
}

// write appends ex as one line.
func (r *recorder) write(ex *Exchange) error {
	line, err := encodeLine(ex)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err = r.w.Write(line)
	return err
}

// encodeLine returns ex as a line of a recording, newline included, within
// MaxRecordingLine: without its bodies when they would make it longer.
func encodeLine(ex *Exchange) ([]byte, error) {
	line, err := marshalLine(ex)
	if err != nil || len(line) <= MaxRecordingLine {
		return line, err
	}
	cp := *ex
	omit := fmt.Sprintf("the line would be longer than %d MiB", MaxRecordingLine>>20)
	for _, m := range []*Message{&cp.Request, &cp.Response} {
		decrypted := m.Decrypted
		*m = Message{Status: m.Status, ContentType: m.ContentType, Omitted: omit, Decrypted: decrypted}
	}
	cp.Notes = append(slices.Clone(cp.Notes), "bodies omitted: "+omit)
	return marshalLine(&cp)
}

// safeMessages returns ex as it is to be recorded: ex itself, or, when its
// answer's TransMsg (in the envelope) or RtnMsg (in the decrypted Data) is
// not what redact.Text makes of it (longer than redact.Limit, holding the
// merchant's HashKey or HashIV, or a control character), a copy with that
// message replaced and a note saying so, as the client's errors have it.
// Replay serves the message as recorded, and a re-check of the recording
// sees it so: a violation of its length may no longer be found.
func safeMessages(ex *Exchange, codec *ecpaycrypto.Codec) *Exchange {
	env, envChanged := safeMember(ex.Response.Envelope, "TransMsg", codec)
	data, dataChanged := safeMember(ex.Response.Data, "RtnMsg", codec)
	if !envChanged && !dataChanged {
		return ex
	}
	cp := *ex
	cp.Response.Envelope, cp.Response.Data = env, data
	cp.Notes = append(slices.Clone(cp.Notes), fmt.Sprintf("the answer's TransMsg or RtnMsg is recorded made safe: at most %d bytes, on one line, control characters replaced, keys redacted", redact.Limit))
	return &cp
}

// safeMember returns the JSON object raw with its string member name made
// safe by redact.Text, and whether that changed it.
func safeMember(raw json.RawMessage, name string, codec *ecpaycrypto.Codec) (json.RawMessage, bool) {
	s, ok := unquote(members(raw)[name])
	if !ok {
		return raw, false
	}
	safe := redact.Text(codec, s, redact.Limit)
	if safe == s {
		return raw, false
	}
	out, err := rewriteMembers(raw, map[string]func(json.RawMessage) (json.RawMessage, error){
		name: func(json.RawMessage) (json.RawMessage, error) { return json.Marshal(safe) },
	})
	if err != nil {
		// raw is an object members decoded, so this cannot happen; were
		// it to, the safe message alone is recorded, never raw.
		out, _ = json.Marshal(map[string]string{name: safe})
	}
	return out, true
}

func marshalLine(ex *Exchange) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ex); err != nil {
		return nil, fmt.Errorf("ecpaysim: encoding the exchange: %w", err)
	}
	return buf.Bytes(), nil
}

// OpenRecording opens the recording at path for WithRecording: created with
// mode 0600 (it will hold decrypted Data), or an existing one appended to.
// An existing file that others may read (group or other permission bits) is
// refused, so that a recording never ends up readable by others; so is one
// whose last line has no newline (a crash cut it off), which would swallow
// the next exchange: RepairRecording mends it first.
func OpenRecording(path string) (*os.File, error) {
	f, err := openRecordingFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE)
	if err != nil {
		return nil, err
	}
	torn, err := tornTail(f)
	if err == nil && torn != nil {
		err = fmt.Errorf("ecpaysim: the recording %s ends in line %d without a newline (%d bytes; was it interrupted while writing it?): appending would join the next exchange to it; RepairRecording mends it", path, torn.Line, torn.Bytes)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// openRecordingFile opens the recording at path with flag, refusing one
// that others may read.
func openRecordingFile(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag, 0o600)
	if err != nil {
		return nil, fmt.Errorf("ecpaysim: opening the recording: %w", err)
	}
	if runtime.GOOS != "windows" {
		info, err := f.Stat()
		if err == nil && info.Mode().Perm()&0o077 != 0 {
			f.Close()
			return nil, fmt.Errorf("ecpaysim: the recording %s may be read by others (mode %04o) and would hold decrypted Data: chmod 600 it, or give a new file", path, info.Mode().Perm())
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("ecpaysim: opening the recording: %w", err)
		}
	}
	return f, nil
}

// TornLine is the last line of a recording that has no newline, as
// RepairRecording found it: what a crash leaves when it interrupts the
// write of an exchange.
type TornLine struct {
	// Line is its number, from 1.
	Line int
	// Offset is where it starts; Bytes its length.
	Offset, Bytes int64
	// Whole reports a line that is a whole exchange all the same (a
	// recording edited by hand): RepairRecording adds its newline instead
	// of cutting it off.
	Whole bool
}

// RepairRecording mends the recording at path so that the next exchange
// appended starts a line of its own, as a crash during a write leaves it
// otherwise: a last line without a newline is cut off (or, when it is a
// whole exchange, given its newline). It returns that line, or nil when
// there was none to mend or no file. It refuses a file that others may
// read, as OpenRecording does.
func RepairRecording(path string) (*TornLine, error) {
	f, err := openRecordingFile(path, os.O_RDWR)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	torn, err := tornTail(f)
	if err != nil || torn == nil {
		return nil, err
	}
	if torn.Bytes <= MaxRecordingLine {
		line := make([]byte, torn.Bytes)
		if _, err := f.ReadAt(line, torn.Offset); err != nil {
			return nil, fmt.Errorf("ecpaysim: reading the recording's last line: %w", err)
		}
		_, err := decodeExchange(line)
		torn.Whole = err == nil
	}
	if torn.Whole {
		_, err = f.WriteAt([]byte("\n"), torn.Offset+torn.Bytes)
	} else {
		err = f.Truncate(torn.Offset)
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		return nil, fmt.Errorf("ecpaysim: mending the recording %s: %w", path, err)
	}
	return torn, nil
}

// tornTail returns the last line of the recording f when it has no
// newline, or nil.
func tornTail(f *os.File) (*TornLine, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("ecpaysim: reading the recording: %w", err)
	}
	size := info.Size()
	if !info.Mode().IsRegular() || size == 0 {
		return nil, nil
	}
	buf := make([]byte, 64<<10)
	// Back from the end to the last newline: where the torn line starts.
	start := int64(0)
	for end := size; end > 0; {
		n := min(end, int64(len(buf)))
		chunk := buf[:n]
		if _, err := f.ReadAt(chunk, end-n); err != nil {
			return nil, fmt.Errorf("ecpaysim: reading the recording: %w", err)
		}
		if end == size && chunk[n-1] == '\n' {
			return nil, nil
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			start = end - n + int64(i) + 1
			break
		}
		end -= n
	}
	line := 1
	for off := int64(0); off < start; {
		chunk := buf[:min(start-off, int64(len(buf)))]
		if _, err := f.ReadAt(chunk, off); err != nil {
			return nil, fmt.Errorf("ecpaysim: reading the recording: %w", err)
		}
		line += bytes.Count(chunk, []byte{'\n'})
		off += int64(len(chunk))
	}
	return &TornLine{Line: line, Offset: start, Bytes: size - start}, nil
}
