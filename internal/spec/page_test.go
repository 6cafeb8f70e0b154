package spec_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/internal/frozen"
	"github.com/ecpay-go/einvoice/internal/pages"
	"github.com/ecpay-go/einvoice/internal/spec"
)

// repo makes a git repository holding the frozen pages in openapi/,
// committed, and returns that directory.
func repo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	dir := frozen.Pages(t)
	root := filepath.Dir(dir)
	for _, args := range [][]string{
		{"init", "-q"},
		{"add", "."},
		{"-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "pages"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return dir
}

func TestComparePage(t *testing.T) {
	const lowered = "        Tsr:\n          type: string\n          maxLength: 20\n"
	tests := map[string]struct {
		// setup edits the committed pages in dir and returns NEW.
		setup        func(t *testing.T, dir string) string
		page, base   string // want PageDiff.Page and Base, relative to dir's parent
		newPage      bool
		breaking     bool
		overlaysFail bool
		want         []string // substrings of the report
	}{
		"a candidate outside openapi/, found by its path": {
			setup: func(t *testing.T, dir string) string {
				candidate := frozen.Candidate(t, filepath.Join(dir, cancel))
				frozen.Edit(t, candidate, tsrProperty, lowered)
				return candidate
			},
			page: "openapi/" + cancel, base: "git HEAD:openapi/" + cancel,
			breaking: true,
			want:     []string{"request-property-max-length-decreased", "Data/Tsr", "still apply"},
		},
		"the new YAML copied over the committed page": {
			setup: func(t *testing.T, dir string) string {
				f := filepath.Join(dir, cancel)
				frozen.Edit(t, f, rtnMsg, rtnMsg+"        InvoiceNo:\n          type: string\n          maxLength: 10\n")
				return f
			},
			page: "openapi/" + cancel, base: "git HEAD:openapi/" + cancel,
			want: []string{"response-optional-property-added", "Data/InvoiceNo", "overlay.yaml and " + filepath.Join("openapi", "CancelDelayIssue.overlay.yaml") + " still apply"},
		},
		"servers swapped": {
			setup: func(t *testing.T, dir string) string {
				f := filepath.Join(dir, trigger)
				frozen.Edit(t, f, servers, "servers:\n  - url: https://einvoice.ecpay.com.tw\n  - url: https://einvoice-stage.ecpay.com.tw\n")
				return f
			},
			page: "openapi/" + trigger, base: "git HEAD:openapi/" + trigger,
			breaking: true,
			want:     []string{"server-moved", "https://einvoice.ecpay.com.tw moved from position 2 to 1", "check which host is which"},
		},
		"ECPay moved the operation: found by its name, the overlays no longer apply": {
			setup: func(t *testing.T, dir string) string {
				candidate := frozen.Candidate(t, filepath.Join(dir, cancel))
				frozen.Edit(t, candidate, "/B2CInvoice/CancelDelayIssue:", "/B2CInvoiceV2/CancelDelayIssue:")
				return candidate
			},
			page: "openapi/" + cancel, base: "git HEAD:openapi/" + cancel,
			breaking: true, overlaysFail: true,
			want: []string{
				"ECPay moved the operation to POST /B2CInvoiceV2/CancelDelayIssue",
				"api-path-removed",
				"no longer apply", "1 overlay action matches nothing", "$.paths['/B2CInvoice/CancelDelayIssue'].post",
			},
		},
		"a new page": {
			setup: func(t *testing.T, dir string) string {
				candidate := frozen.Candidate(t, filepath.Join(dir, cancel))
				frozen.Edit(t, candidate, "/B2CInvoice/CancelDelayIssue:", "/B2CInvoice/CheckLoveCode:")
				return candidate
			},
			newPage: true,
			want: []string{
				"no page of", "it is a new page", "overlay.yaml still applies",
				"Saved as " + filepath.Join("openapi", "CheckLoveCode.yaml"), "generated/checklovecode/checklovecode.gen.go",
				"wrapper.Client.CheckLoveCode(ctx, wrapper.CheckLoveCodeRequest)", "registry.CheckLoveCode",
				"its inner fields are all optional",
			},
		},
		"a page saved in openapi/ but not committed yet": {
			setup: func(t *testing.T, dir string) string {
				f := filepath.Join(dir, "CheckLoveCode.yaml")
				frozen.Copy(t, filepath.Join(dir, cancel), f)
				frozen.Edit(t, f, "/B2CInvoice/CancelDelayIssue:", "/B2CInvoice/CheckLoveCode:")
				return f
			},
			page: "openapi/CheckLoveCode.yaml", newPage: true,
			want: []string{"git HEAD has no", "no other version to compare it with", "`go generate ./...` creates", "generated/checklovecode/checklovecode.gen.go"},
		},
		"a page committed, then edited in openapi/ without git": {
			setup: func(t *testing.T, dir string) string {
				f := filepath.Join(dir, cancel)
				frozen.Edit(t, f, tsrProperty, lowered)
				t.Setenv("PATH", t.TempDir())
				return f
			},
			page: "openapi/" + cancel,
			want: []string{"git is not available", "no other version to compare it with", "still apply"},
		},
		"a candidate outside openapi/ without git: compared with the working copy": {
			setup: func(t *testing.T, dir string) string {
				candidate := frozen.Candidate(t, filepath.Join(dir, cancel))
				frozen.Edit(t, candidate, tsrProperty, lowered)
				t.Setenv("PATH", t.TempDir())
				return candidate
			},
			page: "openapi/" + cancel, base: "openapi/" + cancel + " (working copy)",
			breaking: true,
			want:     []string{"git is not available: comparing with the working copy", "Data/Tsr"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := repo(t)
			newFile := tc.setup(t, dir)
			t.Chdir(filepath.Dir(dir))
			d, err := spec.ComparePage(context.Background(), "openapi", newFile)
			if err != nil {
				t.Fatal(err)
			}
			report := d.String()
			if d.Page != filepath.FromSlash(tc.page) || d.Base != tc.base || d.NewPage != tc.newPage {
				t.Errorf("Page %q, Base %q, NewPage %v; want %q, %q, %v\n%s", d.Page, d.Base, d.NewPage, tc.page, tc.base, tc.newPage, report)
			}
			if d.Breaking() != tc.breaking {
				t.Errorf("Breaking() = %v, want %v\n%s", d.Breaking(), tc.breaking, report)
			}
			var unmatched *pages.UnmatchedError
			if got := errors.As(d.OverlayError, &unmatched); got != tc.overlaysFail {
				t.Errorf("overlays fail with an UnmatchedError: %v, want %v (%v)", got, tc.overlaysFail, d.OverlayError)
			}
			for _, w := range tc.want {
				if !strings.Contains(report, w) {
					t.Errorf("report does not mention %q:\n%s", w, report)
				}
			}
		})
	}
}

func TestComparePageOutsideARepository(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	dir := frozen.Pages(t)
	candidate := frozen.Candidate(t, filepath.Join(dir, trigger))
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(filepath.Dir(dir)))
	d, err := spec.ComparePage(context.Background(), dir, candidate)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, trigger) + " (working copy)"; d.Base != want || d.Breaking() {
		t.Errorf("Base %q, Breaking %v; want %q, false", d.Base, d.Breaking(), want)
	}
	if report := d.String(); !strings.Contains(report, "no git commit is at hand") || !strings.Contains(report, "no changes") {
		t.Errorf("report does not say why it compares with the working copy:\n%s", report)
	}
}

func TestComparePageRefusesWhatIsNoPage(t *testing.T) {
	tests := map[string]struct {
		content string
		want    string
	}{
		"two paths": {
			content: "",
			want:    "documents 2 paths",
		},
		"invalid": {
			content: "openapi: 3.1.0\ninfo: {title: x, version: 1}\npaths: [\n",
			want:    "does not load",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := frozen.Pages(t)
			candidate := frozen.Candidate(t, filepath.Join(dir, cancel))
			if tc.content != "" {
				frozen.Write(t, candidate, tc.content)
			} else {
				raw, err := os.ReadFile(candidate)
				if err != nil {
					t.Fatal(err)
				}
				// A second path holding the same operation.
				s := string(raw)
				op := s[strings.Index(s, "  /B2CInvoice/CancelDelayIssue:\n"):strings.Index(s, "components:")]
				frozen.Edit(t, candidate, "components:", strings.Replace(op, "CancelDelayIssue:", "CancelDelayIssue2:", 1)+"components:")
			}
			_, err := spec.ComparePage(context.Background(), dir, candidate)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), candidate) {
				t.Fatalf("ComparePage = %v, want an error naming %s and %q", err, candidate, tc.want)
			}
		})
	}
}
