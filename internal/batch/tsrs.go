package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/internal/input"
)

// MaxKeyBytes bounds a line of the Tsr file; a Tsr has at most 30 characters.
const MaxKeyBytes = 64 << 10

// MaxSourceBytes bounds what --file reads: some 30 million Tsrs, months of
// calls at the default --rate. It keeps /dev/zero from a pipe finite.
const MaxSourceBytes = 1 << 30

// utf8BOM is the byte-order mark some editors put at the start of a UTF-8
// file; it is not part of the first Tsr.
const utf8BOM = "\ufeff"

// item is one key of a batch's input (a Tsr, or a line of Issue Data and
// its RelateNumber), or a line that holds none.
type item struct {
	// key is the key, trimmed; for an input that cannot be one, a stand-in
	// that names it and holds U+FFFD, which no key that is sent holds, so
	// that it can be the key of its result and a rerun reading the same
	// input finds it.
	key string
	// data is the line's request Data, for an Operation that is Whole.
	data []byte
	// where names the input: "line 3 of tsrs.txt" or "--tsr value 2";
	// number is its line or value number.
	where  string
	number int
	// problem says why the item is not sent; "" when it may be.
	problem string
}

// cleanTsr is the one rule for reading a Tsr, from --tsr and from --file
// alike: surrounding white space is trimmed; a Tsr that is not valid UTF-8
// or holds a character that is not printable (a control character such as
// NUL, TAB or DEL, or a format character such as U+202E or U+FEFF) or the
// replacement character U+FFFD (the trace of a failed decoding) is not sent,
// and problem says why. For invalid UTF-8, tsr has U+FFFD in place of each
// bad byte: the key its result has, as JSON can hold no invalid UTF-8.
func cleanTsr(raw string) (tsr, problem string) {
	s := strings.TrimSpace(raw)
	if !utf8.ValidString(s) {
		at := 0
		for at < len(s) {
			r, size := utf8.DecodeRuneInString(s[at:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			at += size
		}
		problem = fmt.Sprintf("is not valid UTF-8 (byte %d is %#02x)", at+1, s[at])
		if strings.HasPrefix(raw, "\xff\xfe") || strings.HasPrefix(raw, "\xfe\xff") {
			problem += ": the file starts with a UTF-16 byte-order mark; save it as UTF-8"
		}
		return strings.ToValidUTF8(s, "\ufffd"), problem
	}
	n := 0
	for _, r := range s {
		n++
		switch {
		case r == 0:
			return s, fmt.Sprintf("holds a NUL byte (character %d): the file looks like UTF-16; save it as UTF-8", n)
		case r == utf8.RuneError:
			return s, fmt.Sprintf("holds U+FFFD, the replacement character (character %d): the text was decoded with the wrong encoding somewhere", n)
		case !unicode.IsGraphic(r):
			return s, fmt.Sprintf("holds %U, a control or format character that is not printable (character %d)", r, n)
		}
	}
	return s, ""
}

// Source yields the keys of a batch: the --tsr values, or the lines of
// --file, streamed.
type Source struct {
	// parse reads a line of --file into its item: a Tsr, or the request
	// Data of an Operation that is Whole.
	parse func(lr *input.LineReader, line []byte, name string) (item, bool)
	list  []string
	pos   int // the index in list of the next --tsr value
	lines *input.LineReader
	name  string      // the file's name, for messages
	file  *input.File // nil for --tsr
	// count, when set, calls fn with each item of the input in a second
	// streaming pass, by a second source over the --tsr values or the
	// regular file, for the progress total.
	count func(fn func(item))
}

// OpenSource opens the Tsrs to process: list, or the file at path (- for
// stdin), read up to MaxSourceBytes. A path that is neither a regular file nor a
// pipe is a usage error; the open of a FIFO that has no writer ends with ctx.
func OpenSource(ctx context.Context, list []string, path string, stdin io.Reader) (*Source, error) {
	return openSource(ctx, list, path, stdin, MaxKeyBytes, lineItem)
}

// OpenDataSource opens the lines of bop's request Data to process (see
// Operation.Whole): the file at path (- for stdin), read as OpenSource reads
// it, with lines of up to MaxDataBytes.
func OpenDataSource(ctx context.Context, bop *Operation, path string, stdin io.Reader) (*Source, error) {
	return openSource(ctx, nil, path, stdin, MaxDataBytes, bop.dataItem)
}

func openSource(ctx context.Context, list []string, path string, stdin io.Reader, maxLine int, parse func(*input.LineReader, []byte, string) (item, bool)) (*Source, error) {
	if path == "" {
		return &Source{list: list, count: (&Source{list: list}).each}, nil
	}
	var in *input.File
	var again *os.File // a regular file, for the counting pass
	if path == "-" {
		in = input.Stream(ctx, "--file", "stdin", stdin, MaxSourceBytes)
		if f, ok := stdin.(*os.File); ok {
			if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
				again = f
			}
		}
	} else {
		var err error
		if in, err = input.Open(ctx, "--file", path, MaxSourceBytes); err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%v", err)
		}
		again = in.Regular()
	}
	src := &Source{name: in.Name, file: in, lines: input.NewLineReader(in, maxLine), parse: parse}
	if again != nil {
		if info, err := again.Stat(); err == nil {
			if offset, err := again.Seek(0, io.SeekCurrent); err == nil {
				section := io.NewSectionReader(again, offset, min(info.Size()-offset, MaxSourceBytes))
				src.count = (&Source{lines: input.NewLineReader(section, maxLine), name: src.name, parse: parse}).each
			}
		}
	}
	return src, nil
}

func (s *Source) Close() {
	if s.file != nil {
		s.file.Close()
	}
}

// listItem is the item of the i-th --tsr value.
func listItem(i int, value string) item {
	where := fmt.Sprintf("--tsr value %d", i+1)
	if len(value) > MaxKeyBytes {
		return tooLongItem(value[:input.HeadBytes], int64(len(value)), where, i+1)
	}
	tsr, problem := cleanTsr(value)
	return item{key: tsr, where: where, number: i + 1, problem: problem}
}

// tooLongItem is the item of a value longer than MaxKeyBytes, of n bytes
// beginning with head, named by where.
func tooLongItem(head string, n int64, where string, number int) item {
	head, _ = cleanTsr(head)
	return item{
		key:     fmt.Sprintf("%s\ufffd…(%d bytes)", head, n),
		where:   where,
		number:  number,
		problem: fmt.Sprintf("is longer than %s: not a Tsr (ECPay allows 30 characters)", input.SizeName(MaxKeyBytes)),
	}
}

// lineItem is the item of the line lr has just read, from the file name:
// ok is false for blank lines and # comments.
func lineItem(lr *input.LineReader, line []byte, name string) (item, bool) {
	where := fmt.Sprintf("line %d of %s", lr.Number, name)
	if lr.TooLong {
		return tooLongItem(string(lr.Head), lr.End-lr.Start, where, lr.Number), true
	}
	if lr.Number == 1 {
		line = bytes.TrimPrefix(line, []byte(utf8BOM))
	}
	tsr, problem := cleanTsr(string(line))
	if problem == "" && (tsr == "" || strings.HasPrefix(tsr, "#")) {
		return item{}, false
	}
	return item{key: tsr, where: where, number: lr.Number, problem: problem}, true
}

// next returns the next item, or io.EOF after the last.
func (s *Source) next() (item, error) {
	if s.lines == nil {
		if s.pos >= len(s.list) {
			return item{}, io.EOF
		}
		s.pos++
		return listItem(s.pos-1, s.list[s.pos-1]), nil
	}
	for {
		line, err := s.lines.Next()
		if err != nil {
			var tooLarge *input.TooLargeError
			if err != io.EOF && !errors.As(err, &tooLarge) {
				err = fmt.Errorf("reading %s: %w", s.name, err)
			}
			return item{}, err
		}
		if it, ok := s.parse(s.lines, line, s.name); ok {
			return it, nil
		}
	}
}

// each calls fn with every item of s, in order, until the input ends or
// cannot be read.
func (s *Source) each(fn func(item)) {
	for {
		it, err := s.next()
		if err != nil {
			return
		}
		fn(it)
	}
}

// maxSeen bounds how many distinct Tsrs a run remembers to report repeats
// as duplicates. Each costs its map entry and its string: about 50 bytes
// for a Tsr of 12 characters, 70 for one of 30 (TestSeenSetMemory measures
// it), so the set stays under some 70 MiB however long the input. Repeats
// further on than maxSeen distinct Tsrs are not detected: without --out such
// a repeat is sent again, and ECPay refuses it; with --out a repeat of a Tsr
// settled by an earlier run is still skipped.
const maxSeen = 1 << 20

// seenSet remembers the Tsrs of a run, up to maxSeen, to find repeats.
type seenSet struct {
	first map[string]int // Tsr → the number of the line or value that first gave it
	full  bool           // maxSeen Tsrs are remembered; no more are
}

// add records tsr, given by the line or value number, and reports the
// number that first gave it if it was given before.
func (s *seenSet) add(tsr string, number int) (first int, repeated bool) {
	if s.first == nil {
		s.first = make(map[string]int)
	}
	if n, ok := s.first[tsr]; ok {
		return n, true
	}
	if len(s.first) >= maxSeen {
		s.full = true
		return 0, false
	}
	s.first[tsr] = number
	return 0, false
}
