package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// generatedHeader is Go's convention for a generated file
// (https://go.dev/s/generatedcode): a line before the package clause.
var generatedHeader = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

// Every file under generated/ is generator output or the generator's
// configuration: a reader expects nothing handwritten there, and
// make check-generated could not tell a hand edit from drift. Handwritten
// types the generated code needs live in packages of their own (lenient,
// internal/ecpayop), and the tests of generated code beside the generator.
func TestGeneratedHoldsOnlyGeneratorOutput(t *testing.T) {
	root := filepath.Join("..", "..", "..", "generated")
	config := filepath.Join(root, "oapi-codegen.yaml")
	var goFiles int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == config {
			return err
		}
		if checkGenerated(t, path) {
			goFiles++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if goFiles == 0 {
		t.Fatalf("no generated Go file under %s", root)
	}
}

// checkGenerated reports whether the file at path is a Go file whose
// "Code generated … DO NOT EDIT." line comes before its package clause, and
// fails t naming it otherwise.
func checkGenerated(t *testing.T, path string) bool {
	t.Helper()
	if filepath.Ext(path) != ".go" {
		t.Errorf("%s is neither generator output nor its configuration (oapi-codegen.yaml): move it out of generated/", path)
		return false
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := bytes.Cut(raw, []byte("\npackage "))
	if !generatedHeader.Match(head) {
		t.Errorf("%s has no \"// Code generated … DO NOT EDIT.\" line before its package clause: only `go generate ./...` writes generated/; move handwritten code (and tests) out of it", path)
		return false
	}
	return true
}
