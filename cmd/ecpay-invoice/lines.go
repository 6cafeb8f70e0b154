package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	"github.com/ecpay-go/einvoice/internal/input"
)

// lineReader reads a stream line by line, holding at most one line of at
// most max bytes: a longer line is reported as too long and skipped without
// being kept but for its first headBytes. Lines end with "\n" or "\r\n"; the
// last may end without one.
type lineReader struct {
	br  *bufio.Reader
	max int
	buf []byte

	// Set by next for the line it returns:
	number     int    // 1-based line number
	start      int64  // offset of the line's first byte in the stream
	end        int64  // offset after the line and its terminator
	tooLong    bool   // the line exceeded max; next returned nil
	terminated bool   // a "\n" ended the line (false only at the end of the stream)
	head       []byte // the first headBytes of a line too long
}

// headBytes is how much of a line too long lineReader keeps, to name it.
const headBytes = 32

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line without its terminator, valid until the next
// call, or io.EOF after the last line.
func (lr *lineReader) next() ([]byte, error) {
	lr.buf = lr.buf[:0]
	lr.start = lr.end
	lr.tooLong = false
	lr.terminated = false
	lr.head = lr.head[:0]
	for {
		chunk, err := lr.br.ReadSlice('\n')
		lr.end += int64(len(chunk))
		// Room for the terminator beyond max; past that only the
		// length counts.
		if !lr.tooLong && len(lr.buf)+len(chunk) > lr.max+2 {
			lr.tooLong = true
			lr.keepHead(lr.buf)
			lr.keepHead(chunk)
			lr.buf = lr.buf[:0]
		}
		if !lr.tooLong {
			lr.buf = append(lr.buf, chunk...)
		}
		switch {
		case err == nil:
			lr.terminated = true
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if lr.end == lr.start {
				return nil, io.EOF
			}
		default:
			return nil, err
		}
		lr.number++
		line := bytes.TrimSuffix(lr.buf, []byte("\n"))
		if lr.terminated {
			line = bytes.TrimSuffix(line, []byte("\r"))
		}
		if lr.tooLong || len(line) > lr.max {
			if !lr.tooLong {
				lr.keepHead(line)
			}
			lr.tooLong = true
			return nil, nil
		}
		return line, nil
	}
}

// keepHead appends to head what it lacks of its headBytes from b.
func (lr *lineReader) keepHead(b []byte) {
	lr.head = append(lr.head, b[:min(len(b), headBytes-len(lr.head))]...)
}

// sizeName writes a byte count the way limits are stated: "4 MiB".
func sizeName(n int) string { return input.SizeName(int64(n)) }
