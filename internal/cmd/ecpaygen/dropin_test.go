package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ecpay-go/einvoice/internal/frozen"
)

// droppedPage is the page TestADroppedInPagePassesTheProjectsTests adds:
// the seed's shape, an inner request without Tsr, no overlay of its own.
const droppedPage = "testdata/DroppedIn.yaml"

// moduleCopyTests are the tests that copy the module with git: the copy has
// no .git, and they would copy it again inside it.
const moduleCopyTests = "^(TestAThirdPageNeedsNoHandwrittenGo|TestADroppedInPagePassesTheProjectsTests)$"

// A page dropped into openapi/ as README says, and an additive vendor update
// of an existing page, need no handwritten line anywhere, tests included
// (issue 15): in a copy of the module with both, go generate leaves the
// handwritten files alone and the project's own tests pass, every package
// (without -race, to keep it to a minute or two; the tests that copy the
// module are left out of the copy's run).
func TestADroppedInPagePassesTheProjectsTests(t *testing.T) {
	if testing.Short() {
		t.Skip("copies the module and runs its tests")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git to list the module's files")
	}
	dir := copyModule(t)
	frozen.Copy(t, droppedPage, filepath.Join(dir, "openapi", "DroppedIn.yaml"))
	// A vendor update that adds optional members to both sides' Data,
	// whatever the page holds today.
	page := filepath.Join(dir, "openapi", "CancelDelayIssue.yaml")
	addProperty(t, page, "requestBody.Data", "Note", "string", 50, "A note on the cancellation")
	addProperty(t, page, "responses.Data", "CancelledAt", "string", 20, "When the delayed issuing was cancelled")
	before := handwritten(t, dir)

	started := time.Now()
	goIn(t, dir, "generate", "./...")
	for f, sum := range handwritten(t, dir) {
		if was, ok := before[f]; !ok || was != sum {
			t.Errorf("go generate added or changed %s, which is not a *.gen.go file", f)
		}
	}
	generated := time.Since(started)
	for file, wants := range map[string][]string{
		"generated/droppedin/droppedin.gen.go":               {"InvoiceNo *string", "Reason *string"},
		"generated/canceldelayissue/canceldelayissue.gen.go": {"Note *string", "CancelledAt *lenient.String"},
	} {
		src, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatalf("go generate: %v", err)
		}
		for _, want := range wants {
			if !strings.Contains(string(src), want) {
				t.Errorf("go generate wrote %s without %q", file, want)
			}
		}
	}

	started = time.Now()
	cmd := exec.CommandContext(t.Context(), "go", "test", "-skip", moduleCopyTests, "./...")
	cmd.Dir, cmd.Env = dir, withoutCredentials()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test ./... with openapi/DroppedIn.yaml dropped in and CancelDelayIssue.yaml updated: %v\n%s", err, failures(out))
	}
	t.Logf("generated in %v; the project's tests passed in the copy in %v", generated.Round(time.Millisecond), time.Since(started).Round(time.Second))
}

// addProperty adds to the component schema named schema of the page file an
// optional property name of type typ, with maxLength and description, as a
// vendor update of the page would: the page is read and written as YAML,
// so the edit holds whatever else the page says.
func addProperty(t *testing.T, file, schema, name, typ string, maxLength int, description string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	props := &doc
	if len(doc.Content) == 1 {
		props = doc.Content[0]
	}
	for _, key := range []string{"components", "schemas", schema, "properties"} {
		if props = mappingValue(props, key); props == nil {
			t.Fatalf("%s has no components.schemas[%q].properties", file, schema)
		}
	}
	if mappingValue(props, name) != nil {
		t.Fatalf("%s's %s already has %s: pick another name for the vendor's new member", file, schema, name)
	}
	var prop yaml.Node
	if err := prop.Encode(map[string]any{"type": typ, "maxLength": maxLength, "description": description}); err != nil {
		t.Fatal(err)
	}
	props.Content = append(props.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, &prop)
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	frozen.Write(t, file, string(out))
}

// mappingValue returns the value of key in the YAML mapping node m, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// failures returns go test's output without the lines of the packages that
// passed or have no tests.
func failures(out []byte) string {
	var keep []string
	for line := range strings.Lines(string(out)) {
		if !strings.HasPrefix(line, "ok ") && !strings.HasPrefix(line, "?   ") {
			keep = append(keep, line)
		}
	}
	return strings.TrimSpace(strings.Join(keep, ""))
}
