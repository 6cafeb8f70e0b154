// Package frozen gives tests the frozen copies of the pages and overlays in
// testdata/openapi (see its README.md): the tests of the tools that read
// pages use these, never openapi/ itself, so that a legitimate vendor update
// committed to openapi/ cannot break them. Only tests import it.
package frozen

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Dir is the directory of the frozen pages, found from this file's place in
// the module.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "openapi")
}

// Pages copies the frozen pages to t's temporary directory, as its openapi/
// directory, and returns that directory.
func Pages(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "openapi")
	if err := os.CopyFS(dir, os.DirFS(Dir())); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Candidate copies file to downloaded.yaml in a new temporary directory of
// t and returns its path: a candidate vendor file kept outside openapi/, as
// make spec-diff NEW= takes one.
func Candidate(t testing.TB, file string) string {
	t.Helper()
	candidate := filepath.Join(t.TempDir(), "downloaded.yaml")
	Copy(t, file, candidate)
	return candidate
}

// Copy copies the file from to to.
func Copy(t testing.TB, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	Write(t, to, string(raw))
}

// Edit replaces old, which must occur exactly once in file, with new.
func Edit(t testing.TB, file, old, new string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), old); n != 1 {
		t.Fatalf("%s holds %q %d times, want once", file, old, n)
	}
	Write(t, file, strings.Replace(string(raw), old, new, 1))
}

// Write writes content to file.
func Write(t testing.TB, file, content string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Append adds text at the end of file, e.g. an action at the end of an
// overlay whose actions come last.
func Append(t testing.TB, file, text string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	Write(t, file, string(raw)+text)
}
