package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

const (
	vendor  = "../../../openapi/CancelDelayIssue.yaml"
	overlay = "../../../openapi/overlay.yaml"
)

// The breaking-change cases of diff are internal/spec's TestDiffSeesInsideData;
// these check the command's arguments, output and exit statuses.
func TestRun(t *testing.T) {
	tests := map[string]struct {
		args       []string
		wantStatus int
		wantOut    string
	}{
		"no arguments":          {args: nil, wantStatus: 2, wantOut: "usage"},
		"unknown command":       {args: []string{"lint", vendor}, wantStatus: 2, wantOut: "usage"},
		"validate vendor":       {args: []string{"validate", vendor}, wantStatus: 0, wantOut: "valid"},
		"validate with overlay": {args: []string{"validate", vendor, overlay}, wantStatus: 0, wantOut: "with " + overlay + ": valid"},
		"validate missing file": {args: []string{"validate", "absent.yaml"}, wantStatus: 1, wantOut: "absent.yaml"},
		"diff unchanged":        {args: []string{"diff", vendor, vendor, overlay}, wantStatus: 0, wantOut: "still applies"},
		"diff a missing file":   {args: []string{"diff", vendor, "absent.yaml"}, wantStatus: 1, wantOut: "absent.yaml"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			status := run(context.Background(), tc.args, &stdout, &stderr)
			if status != tc.wantStatus {
				t.Errorf("status %d, want %d; stderr %s", status, tc.wantStatus, stderr.String())
			}
			if out := stdout.String() + stderr.String(); !strings.Contains(out, tc.wantOut) {
				t.Errorf("output does not mention %q:\n%s", tc.wantOut, out)
			}
		})
	}
}
