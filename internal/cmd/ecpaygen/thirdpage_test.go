package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/internal/frozen"
)

// thirdPage is the page the test drops in: the vendor's shape, another
// operation and other inner fields, no overlay of its own.
const thirdPage = "testdata/ProbeLoveCode.yaml"

// probe is test scaffolding written into the copy, not a project file: it
// calls the new operation through wrapper against the simulator in-process.
// ecpaysimtest fails it on any violation of the simulator.
const probe = `package thirdpageprobe_test

import (
	"errors"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/generated/probelovecode"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/wrapper"
)

func ptr[T any](v T) *T { return &v }

func TestProbeLoveCode(t *testing.T) {
	op := registry.Lookup("ProbeLoveCode")
	if op == nil || registry.ByPath("/B2CInvoice/ProbeLoveCode") != op || !op.Success(1) {
		t.Fatalf("the registry does not list ProbeLoveCode at its path with success code 1: %+v", op)
	}
	sim := ecpaysimtest.NewServer(t)

	_, err := sim.Client.ProbeLoveCode(t.Context(), wrapper.ProbeLoveCodeRequest{LoveCode: ptr("12345678")})
	var invalid *wrapper.ValidationError
	if !errors.As(err, &invalid) || invalid.Operation != "ProbeLoveCode" || invalid.Field != "LoveCode" || invalid.Rule != "maxLength" {
		t.Fatalf("an 8-character LoveCode: %v, want a *wrapper.ValidationError on LoveCode's maxLength", err)
	}
	if n := len(sim.Requests()); n != 0 {
		t.Fatalf("an invalid request was sent (%d requests)", n)
	}

	res, err := sim.Client.ProbeLoveCode(t.Context(), wrapper.ProbeLoveCodeRequest{LoveCode: ptr("1234567")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Envelope.TransCode == nil || *res.Envelope.TransCode != 1 || res.RtnCode != 1 {
		t.Errorf("TransCode %v, RtnCode %d; want the default answer, 1 and 1", res.Envelope.TransCode, res.RtnCode)
	}
	if res.Data.RtnCode == nil || *res.Data.RtnCode != 1 || res.Data.IsExist == nil {
		t.Errorf("Data %+v: want RtnCode 1 and IsExist mocked from responses.Data", res.Data)
	}
	reqs := sim.Requests()
	if len(reqs) != 1 || reqs[0].Operation != "ProbeLoveCode" {
		t.Fatalf("the simulator recorded %d requests, want one ProbeLoveCode", len(reqs))
	}
	data, ok := reqs[0].Data.(*probelovecode.RequestData)
	if !ok || data.MerchantID == nil || *data.MerchantID != ecpaysim.StageMerchantID || data.LoveCode == nil || *data.LoveCode != "1234567" {
		t.Errorf("the simulator received %#v, want MerchantID filled with %s and LoveCode 1234567", reqs[0].Data, ecpaysim.StageMerchantID)
	}
	if v := sim.Violations(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
}
`

// A page dropped into openapi/ costs no handwritten Go (issue 11): in a
// copy of the module, go generate and go build make it callable through
// wrapper against the simulator and through ecpay-invoice call.
func TestAThirdPageNeedsNoHandwrittenGo(t *testing.T) {
	if testing.Short() {
		t.Skip("copies the module and builds it")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git to list the module's files")
	}
	started := time.Now()
	dir := copyModule(t)
	page, err := os.ReadFile(thirdPage)
	if err != nil {
		t.Fatal(err)
	}
	frozen.Write(t, filepath.Join(dir, "openapi", "ProbeLoveCode.yaml"), string(page))
	before := handwritten(t, dir)

	goIn(t, dir, "generate", "./...")
	goIn(t, dir, "build", "./...")
	after := handwritten(t, dir)
	for f, sum := range before {
		if after[f] != sum {
			t.Errorf("go generate or go build changed or removed %s, which is not generated", f)
		}
	}
	for f := range after {
		if _, ok := before[f]; !ok {
			t.Errorf("go generate or go build added %s, which is not a *.gen.go file", f)
		}
	}
	gen, err := os.ReadFile(filepath.Join(dir, "generated", "probelovecode", "probelovecode.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(gen, []byte("MerchantID *string")) || !bytes.Contains(gen, []byte("LoveCode *string")) {
		t.Error("without an overlay of its own, the page's inner fields are not optional")
	}

	t.Run("wrapper against ecpaysim", func(t *testing.T) {
		probeDir := filepath.Join(dir, "internal", "thirdpageprobe")
		if err := os.MkdirAll(probeDir, 0o755); err != nil {
			t.Fatal(err)
		}
		frozen.Write(t, filepath.Join(probeDir, "probe_test.go"), probe)
		goIn(t, dir, "test", "-count=1", "./internal/thirdpageprobe/")
	})

	t.Run("ecpay-invoice call against ecpay-sim", func(t *testing.T) {
		bin := t.TempDir()
		goIn(t, dir, "build", "-o", bin+string(filepath.Separator), "./cmd/ecpay-invoice", "./cmd/ecpay-sim")
		baseURL := startSimulator(t, filepath.Join(bin, "ecpay-sim"))
		cmd := exec.CommandContext(t.Context(), filepath.Join(bin, "ecpay-invoice"),
			"call", "ProbeLoveCode", "--data", `{"LoveCode":"1234567"}`, "--base-url", baseURL)
		cmd.Env = withoutCredentials()
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("ecpay-invoice call: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
		}
		var out struct {
			Operation string         `json:"operation"`
			OK        bool           `json:"ok"`
			Data      map[string]any `json:"data"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout.String())
		}
		if out.Operation != "ProbeLoveCode" || !out.OK || out.Data["RtnCode"] != float64(1) || out.Data["IsExist"] == nil {
			t.Errorf("ecpay-invoice call printed %s; want ProbeLoveCode, ok, and the decrypted data with RtnCode 1 and IsExist", stdout.String())
		}
		state := simState(t, baseURL)
		if state.Requests != 1 || state.Violations != 0 {
			t.Errorf("the simulator kept %d requests and saw %d violations; want 1 and 0", state.Requests, state.Violations)
		}
	})
	t.Logf("copied, generated, built and called in %v", time.Since(started).Round(time.Millisecond))
}

// copyModule copies the module's files (tracked, and untracked but not
// ignored, so that a dirty tree works; not .git) to a new directory.
func copyModule(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = moduleRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	dir := t.TempDir()
	for _, f := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		src := filepath.Join(moduleRoot, f)
		info, err := os.Lstat(src)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the working tree, or not a file
		}
		raw, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, raw, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// handwritten returns a checksum of every file of dir that is not a
// *.gen.go file, by path.
func handwritten(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	sums := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".gen.go") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		sums[rel] = sha256.Sum256(raw)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

// goIn runs the go command in dir, failing t with its output.
func goIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// withoutCredentials is the environment without ECPAY_* variables, so that
// the CLI uses the stage merchant the simulator knows.
func withoutCredentials() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "ECPAY_") })
}

// startSimulator starts the ecpay-sim binary on a free port, stopped when
// t ends, and returns its base URL, its first line on stdout.
func startSimulator(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("ecpay-sim printed no base URL: %v\n%s", err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return strings.TrimSpace(line)
}

type simulatorState struct {
	Requests, Violations int
}

func simState(t *testing.T, baseURL string) simulatorState {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, baseURL+"/_sim/state", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s simulatorState
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatalf("GET /_sim/state: %v", err)
	}
	return s
}
