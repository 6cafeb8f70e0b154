// Package testkit holds the helpers the tests of every package share: a
// buffer that a server or a command writes while the test reads it, ECPay's
// Data sealed under a merchant's keys, and one plain HTTP exchange. Only
// tests import it; helpers that know the simulator live in
// ecpaysim/internal/simtest, those that describe a command line in
// internal/clitest.
//
//	var stderr testkit.Buffer
//	cmd.Stderr = &stderr
//	data := testkit.StageData(t, `{"MerchantID":"2000132","Tsr":"T1"}`)
package testkit

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/internal/protocol"
)

// Buffer is a bytes.Buffer safe for concurrent use: what a server's
// handlers or a running command write while the test reads it. The zero
// value is ready to use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
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
