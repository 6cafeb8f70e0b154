// Package input opens what a command reads from a file a flag names, so that
// every such input ends or is refused: only a regular file or a pipe is
// read, never more than a stated number of bytes, and a signal (the end of a
// context) ends a read or an open that waits, such as a FIFO's with no
// writer.
//
//	in, err := input.Open(ctx, "--file", path, 1<<30)
//	if err != nil {
//		return err // "--file /dev/zero is a character device, not a regular file or a pipe"
//	}
//	defer in.Close()
//	… read in; an error wrapping *input.TooLargeError past 1 GiB …
//
// Stdin, which the command is given already open, goes through Stream: it is
// bounded and interruptible the same way, whatever it is.
package input

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
)

// NotAFileError reports that a flag names something that is neither a
// regular file nor a pipe: a directory, a device (/dev/zero never ends), a
// socket.
type NotAFileError struct {
	Flag string // the flag that named it, "--file"
	Path string
	Kind string // what it is: "a directory", "a character device", …
}

func (e *NotAFileError) Error() string {
	return fmt.Sprintf("%s %s is %s, not a regular file or a pipe: give a file", e.Flag, e.Path, e.Kind)
}

// TooLargeError reports an input longer than the bound its flag reads.
type TooLargeError struct {
	Flag  string
	Name  string // the path, or "stdin"
	Limit int64  // the bound, in bytes
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s %s is longer than %s, the most %s reads: split it", e.Flag, e.Name, SizeName(e.Limit), e.Flag)
}

// File is an input opened by Open or Stream: a reader that returns an error
// wrapping *TooLargeError past its bound, and one wrapping the context's
// cause once the context is done, even while a read waits on a pipe.
type File struct {
	Flag string
	Name string // the path, or "stdin"

	ctx       context.Context
	file      *os.File // nil for Stream
	regular   bool
	limit     int64
	remaining int64
	wait      *waiter // reads that may block, for pipes and streams
	err       error   // sticky: the bound or the context
}

// Open opens path, which the flag named flag gave (as "--file"), for
// reading at most limit bytes. It refuses, with a *NotAFileError, what is
// neither a regular file nor a pipe (FIFO), and with a *TooLargeError a
// regular file longer than limit; a FIFO's open, which waits for a writer,
// ends with ctx. An error opening the file names the flag.
func Open(ctx context.Context, flag, path string, limit int64) (*File, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	if err := check(flag, path, info); err != nil {
		return nil, err
	}
	var f *os.File
	if info.Mode()&fs.ModeNamedPipe != 0 {
		f, err = openPipe(ctx, flag, path)
	} else {
		f, err = os.Open(path)
	}
	if err != nil {
		return nil, err
	}
	// What was opened may not be what was looked at: check it again.
	if info, err = f.Stat(); err == nil {
		err = check(flag, path, info)
	}
	if err == nil && info.Mode().IsRegular() && info.Size() > limit {
		err = &TooLargeError{Flag: flag, Name: path, Limit: limit}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	in := &File{Flag: flag, Name: path, ctx: ctx, file: f, regular: info.Mode().IsRegular(), limit: limit, remaining: limit}
	if !in.regular {
		in.wait = &waiter{r: f}
	}
	return in, nil
}

// Stream returns r, stdin or another reader the command was given open,
// named name in messages, bounded to limit bytes and interruptible by ctx
// like a File that Open returns. Its type is not checked: a terminal is a
// character device, and typing is a fair way to give input.
func Stream(ctx context.Context, flag, name string, r io.Reader, limit int64) *File {
	return &File{Flag: flag, Name: name, ctx: ctx, limit: limit, remaining: limit, wait: &waiter{r: r}}
}

// Regular returns the open regular file under f, for a second pass over it
// (its size, io.NewSectionReader), or nil for a pipe or a stream. A second
// pass is not bounded by f: Open has checked the file's size.
func (f *File) Regular() *os.File {
	if f.regular {
		return f.file
	}
	return nil
}

// Close closes the file Open opened; it does nothing for a Stream.
func (f *File) Close() error {
	if f.file == nil {
		return nil
	}
	return f.file.Close()
}

// Read reads up to len(p) bytes, within the bound and while the context
// lasts.
func (f *File) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	if err := f.ctx.Err(); err != nil {
		f.err = fmt.Errorf("%s %s: %w", f.Flag, f.Name, context.Cause(f.ctx))
		return 0, f.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// One byte past the bound tells an input of exactly limit bytes from a
	// longer one.
	if int64(len(p)) > f.remaining+1 {
		p = p[:f.remaining+1]
	}
	var n int
	var err error
	if f.wait == nil {
		n, err = f.file.Read(p)
	} else {
		n, err = f.wait.read(f.ctx, p)
		if errors.Is(err, errInterrupted) {
			f.err = fmt.Errorf("%s %s: %w", f.Flag, f.Name, context.Cause(f.ctx))
			return 0, f.err
		}
	}
	if int64(n) > f.remaining {
		n = int(f.remaining)
		f.err = &TooLargeError{Flag: f.Flag, Name: f.Name, Limit: f.limit}
		err = f.err
	}
	f.remaining -= int64(n)
	return n, err
}

// check refuses what info describes unless it is a regular file or a pipe.
func check(flag, path string, info fs.FileInfo) error {
	m := info.Mode()
	if m.IsRegular() || m&fs.ModeNamedPipe != 0 {
		return nil
	}
	kind := "not a regular file"
	switch {
	case m.IsDir():
		kind = "a directory"
	case m&fs.ModeCharDevice != 0:
		kind = "a character device"
	case m&fs.ModeDevice != 0:
		kind = "a block device"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	}
	return &NotAFileError{Flag: flag, Path: path, Kind: kind}
}

// openPipe opens the FIFO at path, which waits for a writer, until ctx
// ends. A FIFO opened after ctx ended is closed.
func openPipe(ctx context.Context, flag, path string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	done := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		done <- opened{f, err}
	}()
	select {
	case o := <-done:
		if o.err != nil {
			return nil, fmt.Errorf("%s: %w", flag, o.err)
		}
		return o.f, nil
	case <-ctx.Done():
		go func() {
			if o := <-done; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, fmt.Errorf("%s %s: waiting for a writer to the pipe: %w", flag, path, context.Cause(ctx))
	}
}

// errInterrupted is what waiter.read returns when the context ends first.
var errInterrupted = errors.New("interrupted")

// waiter reads r on a goroutine of its own, so that a read that waits (on a
// pipe or a terminal) is given up when the context ends. Its buffer is its
// own, so that a read given up cannot write into the caller's; File makes no
// read after one given up.
type waiter struct {
	r   io.Reader
	buf []byte
}

func (w *waiter) read(ctx context.Context, p []byte) (int, error) {
	if cap(w.buf) < len(p) {
		w.buf = make([]byte, len(p))
	}
	buf := w.buf[:len(p)]
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := w.r.Read(buf)
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		return copy(p, buf[:r.n]), r.err
	case <-ctx.Done():
		return 0, errInterrupted
	}
}

// SizeName writes a byte count the way limits are stated: "4 MiB".
func SizeName(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + " GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
