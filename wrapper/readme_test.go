package wrapper_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/generated/registry"
)

// goBlock matches a fenced block of Go in Markdown.
var goBlock = regexp.MustCompile("(?ms)^```go\n(.*?)^```")

// TestREADMESnippetsCompile builds each Go block of the README as the
// program of a module of its own that requires this one, as a reader who
// copies it would, and vets it: the README and the API cannot drift apart.
func TestREADMESnippetsCompile(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlock.FindAllStringSubmatch(string(readme), -1)
	if len(blocks) == 0 {
		t.Fatal("README.md has no Go block")
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range blocks {
		t.Run(fmt.Sprintf("block %d", i+1), func(t *testing.T) {
			src := b[1]
			if !strings.HasPrefix(src, "package ") {
				t.Fatalf("README.md's Go block %d does not start with a package clause: show the whole program, imports included, so that it compiles as written:\n%s", i+1, src)
			}
			dir := t.TempDir()
			mod := fmt.Sprintf("module readme\n\ngo 1.26.0\n\nrequire github.com/ecpay-go/einvoice v0.0.0\n\nreplace github.com/ecpay-go/einvoice => %s\n", root)
			for name, content := range map[string]string{"go.mod": mod, "go.sum": string(sum), "main.go": src} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// The module's go.sum covers every dependency, all in the
			// module cache once this module builds: nothing is fetched.
			cmd := exec.Command("go", "vet", ".")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("README.md's Go block %d does not compile as written: %v\n%s\n%s", i+1, err, out, src)
			}
		})
	}
}

// operationRow matches a row of README's table of operations.
var operationRow = regexp.MustCompile("(?m)^\\| `([A-Za-z]+)` \\| ")

// TestREADMEOperationsExist holds README's table of operations against the
// registry: every row names an operation the client has. (A page dropped
// into openapi/ needs no README edit to pass the tests, so an operation the
// table lacks is not a failure.)
func TestREADMEOperationsExist(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := operationRow.FindAllStringSubmatch(string(readme), -1)
	if len(rows) == 0 {
		t.Fatal("README.md has no table of operations (rows starting | `Operation` |)")
	}
	for _, row := range rows {
		if registry.Lookup(row[1]) == nil {
			t.Errorf("README.md's table of operations lists %s, which no page in openapi/ defines: remove the row or rename it (operations: %s)", row[1], registry.Names())
		}
	}
}
