// Package testkit holds the helpers the tests of every package share: a
// buffer that a server or a command writes while the test reads it, ECPay's
// Data sealed under a merchant's keys, one plain HTTP exchange, and a built
// command serving on a loopback port. Only
// tests import it; helpers that know the simulator live in
// ecpaysim/internal/simtest, those that describe a command line in
// internal/clitest.
//
//	var stderr testkit.Buffer
//	cmd.Stderr = &stderr
//	data := testkit.StageData(t, `{"MerchantID":"2000132","Tsr":"T1"}`)
package testkit

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// Buffer is a bytes.Buffer safe for concurrent use: what a server's
// handlers or a running command write while the test reads it. The zero
// value is ready to use.
type Buffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	awaits []await
}

// await is a text a Buffer's reader waits for (see Written).
type await struct {
	text string
	seen chan struct{}
}

// Write appends p, and closes the channel of every text Written waits for
// that is now in the buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	kept := b.awaits[:0]
	for _, a := range b.awaits {
		if bytes.Contains(b.buf.Bytes(), []byte(a.text)) {
			close(a.seen)
			continue
		}
		kept = append(kept, a)
	}
	b.awaits = kept
	return n, err
}

// Written returns a channel that is closed once text has been written to b
// (at once, if it already has): a test waits on it for a command to say
// something, with no polling and no timing.
func (b *Buffer) Written(text string) <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	seen := make(chan struct{})
	if bytes.Contains(b.buf.Bytes(), []byte(text)) {
		close(seen)
		return seen
	}
	b.awaits = append(b.awaits, await{text, seen})
	return seen
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Encrypt returns ECPay's Data for plaintext under hashKey and hashIV, or
// fails the test.
func Encrypt(t testing.TB, hashKey, hashIV, plaintext string) string {
	t.Helper()
	codec, err := ecpaycrypto.New(hashKey, hashIV)
	if err != nil {
		t.Fatal(err)
	}
	data, err := codec.Encrypt([]byte(plaintext))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// StageData returns ECPay's Data for plaintext under the stage merchant's
// keys.
func StageData(t testing.TB, plaintext string) string {
	t.Helper()
	return Encrypt(t, protocol.StageHashKey, protocol.StageHashIV, plaintext)
}

// Do sends one request and returns the answer's status and body, or fails
// the test; contentType "" sends no Content-Type header.
func Do(t testing.TB, method, url, contentType string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, got
}

// Process is a built command a test runs, such as ecpay-sim serving on a
// loopback port.
type Process struct {
	// URL is the first line the command printed on stdout, which Start
	// requires to be a loopback URL with a port.
	URL string
	// Stderr is what the command wrote on stderr so far.
	Stderr *Buffer
	// Cmd is the running command, for a test that signals it.
	Cmd    *exec.Cmd
	done   chan error
	exited chan struct{}
}

// Start runs bin with args and returns once it printed its URL on stdout;
// it fails the test if it does not within 30 seconds, and the test's
// cleanup stops it.
func Start(t testing.TB, bin string, args ...string) *Process {
	t.Helper()
	p := &Process{Cmd: exec.Command(bin, args...), Stderr: &Buffer{}, done: make(chan error, 1), exited: make(chan struct{})}
	p.Cmd.Stderr = p.Stderr
	stdout, err := p.Cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, r)
		p.done <- p.Cmd.Wait()
		close(p.exited)
	}()
	select {
	case line := <-lines:
		p.URL = strings.TrimSpace(line)
	case <-time.After(30 * time.Second):
		t.Fatalf("%s printed no URL within 30s; stderr: %s", bin, p.Stderr)
	}
	if !strings.HasPrefix(p.URL, "http://127.0.0.1:") || strings.HasSuffix(p.URL, ":0") {
		t.Fatalf("first stdout line %q, want http://127.0.0.1:PORT; stderr: %s", p.URL, p.Stderr)
	}
	return p
}

// Stop kills the command, if it still runs, and waits for it to end.
func (p *Process) Stop() {
	_ = p.Cmd.Process.Kill()
	<-p.exited
}

// Exited returns the channel that receives the command's exit (Cmd.Wait's
// error) once it ends.
func (p *Process) Exited() <-chan error { return p.done }
