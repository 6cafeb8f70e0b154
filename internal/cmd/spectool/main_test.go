package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/internal/frozen"
)

// candidate copies the frozen page name of dir outside dir (frozen.Candidate)
// with old, unless it is "", replaced by new (frozen.Edit), and returns its
// path.
func candidate(t *testing.T, dir, name, old, new string) string {
	t.Helper()
	path := frozen.Candidate(t, filepath.Join(dir, name))
	if old != "" {
		frozen.Edit(t, path, old, new)
	}
	return path
}

// The checks themselves are internal/spec's tests; these check the
// command's arguments, output and exit statuses.
func TestRun(t *testing.T) {
	tests := map[string]struct {
		args       func(t *testing.T, dir string) []string
		wantStatus int
		wantOut    []string // substrings of stdout
		wantErr    []string // substrings of stderr
	}{
		"no arguments": {
			args:       func(*testing.T, string) []string { return nil },
			wantStatus: 2, wantErr: []string{"usage"},
		},
		"unknown command": {
			args:       func(_ *testing.T, dir string) []string { return []string{"lint", dir} },
			wantStatus: 2, wantErr: []string{"usage"},
		},
		"validate without a directory": {
			args:       func(*testing.T, string) []string { return []string{"validate"} },
			wantStatus: 2, wantErr: []string{"usage"},
		},
		"validate the pages": {
			args:       func(_ *testing.T, dir string) []string { return []string{"validate", dir} },
			wantStatus: 0,
			wantOut:    []string{"CancelDelayIssue.yaml: valid", "TriggerIssue.overlay.yaml: valid", "the 2 pages"},
		},
		"validate a page whose required names no property": {
			args: func(t *testing.T, dir string) []string {
				f := filepath.Join(dir, "CancelDelayIssue.yaml")
				broken := candidate(t, dir, "CancelDelayIssue.yaml", "        Tsr:\n", "        TsrNo:\n")
				if err := os.Rename(broken, f); err != nil {
					t.Fatal(err)
				}
				return []string{"validate", dir}
			},
			wantStatus: 1,
			wantOut:    []string{"TriggerIssue.yaml with"},
			wantErr:    []string{"CancelDelayIssue.yaml: schema requestBody.Data", `required names "Tsr"`, "1 problem in"},
		},
		"validate a page whose business rule does not compile": {
			args: func(t *testing.T, dir string) []string {
				frozen.Append(t, filepath.Join(dir, "TriggerIssue.overlay.yaml"), "  - target: $.components.schemas['requestBody.Data']\n    update:\n"+
					"      x-ecpay-validations:\n        - rule: \"self.PayType == '2' ||\"\n          message: PayType is 2\n")
				return []string{"validate", dir}
			},
			wantStatus: 1,
			wantErr:    []string{"TriggerIssue.yaml: x-ecpay-validations[0] \"self.PayType == '2' ||\"", "Syntax error", "1 problem in"},
		},
		"validate a directory without pages": {
			args:       func(t *testing.T, _ string) []string { return []string{"validate", t.TempDir()} },
			wantStatus: 1, wantErr: []string{"holds no page"},
		},
		"diff an unchanged page": {
			args: func(t *testing.T, dir string) []string {
				return []string{"diff", dir, candidate(t, dir, "CancelDelayIssue.yaml", "", "")}
			},
			wantStatus: 0,
			wantOut:    []string{"no changes", "still apply"},
		},
		"diff a breaking change": {
			args: func(t *testing.T, dir string) []string {
				return []string{"diff", dir, candidate(t, dir, "TriggerIssue.yaml", "maxLength: 30", "maxLength: 20")}
			},
			wantStatus: 1,
			wantOut:    []string{"request-property-max-length-decreased"},
			wantErr:    []string{"needs a look before `go generate`"},
		},
		"diff a new page": {
			args: func(t *testing.T, dir string) []string {
				return []string{"diff", dir, candidate(t, dir, "TriggerIssue.yaml", "/B2CInvoice/TriggerIssue:", "/B2CInvoice/GetIssueList:")}
			},
			wantStatus: 0,
			wantOut:    []string{"new page", "generated/getissuelist/getissuelist.gen.go"},
		},
		"diff a missing file": {
			args:       func(_ *testing.T, dir string) []string { return []string{"diff", dir, "absent.yaml"} },
			wantStatus: 1, wantErr: []string{"absent.yaml"},
		},
		"diff without NEW": {
			args:       func(_ *testing.T, dir string) []string { return []string{"diff", dir} },
			wantStatus: 2, wantErr: []string{"usage"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			status := run(context.Background(), tc.args(t, frozen.Pages(t)), &stdout, &stderr)
			if status != tc.wantStatus {
				t.Errorf("status %d, want %d; stderr %s", status, tc.wantStatus, stderr.String())
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout does not mention %q:\n%s", w, stdout.String())
				}
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr does not mention %q:\n%s", w, stderr.String())
				}
			}
		})
	}
}
