package input

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// LineReader reads a stream line by line, holding at most one line of at
// most max bytes: a longer line is reported as too long and skipped without
// being kept but for its first HeadBytes. Lines end with "\n" or "\r\n"; the
// last may end without one.
type LineReader struct {
	br  *bufio.Reader
	max int
	buf []byte

	// Set by Next for the line it returns:
	Number     int    // 1-based line number
	Start      int64  // offset of the line's first byte in the stream
	End        int64  // offset after the line and its terminator
	TooLong    bool   // the line exceeded max; Next returned nil
	Terminated bool   // a "\n" ended the line (false only at the end of the stream)
	Head       []byte // the first HeadBytes of a line too long
}

// HeadBytes is how much of a line too long LineReader keeps, to name it.
const HeadBytes = 32

// NewLineReader returns a LineReader of r for lines of at most max bytes.
func NewLineReader(r io.Reader, max int) *LineReader {
	return &LineReader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Next returns the next line without its terminator, valid until the next
// call, or io.EOF after the last line.
func (lr *LineReader) Next() ([]byte, error) {
	lr.buf = lr.buf[:0]
	lr.Start = lr.End
	lr.TooLong = false
	lr.Terminated = false
	lr.Head = lr.Head[:0]
	for {
		chunk, err := lr.br.ReadSlice('\n')
		lr.End += int64(len(chunk))
		// Room for the terminator beyond max; past that only the
		// length counts.
		if !lr.TooLong && len(lr.buf)+len(chunk) > lr.max+2 {
			lr.TooLong = true
			lr.keepHead(lr.buf)
			lr.keepHead(chunk)
			lr.buf = lr.buf[:0]
		}
		if !lr.TooLong {
			lr.buf = append(lr.buf, chunk...)
		}
		switch {
		case err == nil:
			lr.Terminated = true
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if lr.End == lr.Start {
				return nil, io.EOF
			}
		default:
			return nil, err
		}
		lr.Number++
		line := bytes.TrimSuffix(lr.buf, []byte("\n"))
		if lr.Terminated {
			line = bytes.TrimSuffix(line, []byte("\r"))
		}
		if lr.TooLong || len(line) > lr.max {
			if !lr.TooLong {
				lr.keepHead(line)
			}
			lr.TooLong = true
			return nil, nil
		}
		return line, nil
	}
}

// keepHead appends to head what it lacks of its HeadBytes from b.
func (lr *LineReader) keepHead(b []byte) {
	lr.Head = append(lr.Head, b[:min(len(b), HeadBytes-len(lr.Head))]...)
}
