package main

import (
	"strings"
	"testing"
)

// A --base-url written without its scheme is refused with the URL to write.
func TestBaseURLWithoutSchemeSaysWhatToWrite(t *testing.T) {
	for raw, want := range map[string]string{
		"127.0.0.1:8080":        "--base-url: 127.0.0.1:8080 has no scheme; write http://127.0.0.1:8080",
		"localhost:8080":        "--base-url: localhost:8080 has no scheme; write http://localhost:8080",
		"proxy.example.test:80": "--base-url: proxy.example.test:80 has no scheme; write https://proxy.example.test:80",
	} {
		t.Run(raw, func(t *testing.T) {
			out := runBinary(t, invocation{args: []string{"call", "CancelDelayIssue", "--base-url", raw, "--data", `{"Tsr":"T1"}`}})
			if out.code != exitInvalid || out.stdout != "" {
				t.Errorf("exit status %d, stdout %q; want %d and nothing", out.code, out.stdout, exitInvalid)
			}
			if strings.Count(out.stderr, "\n") != 1 || !strings.Contains(out.stderr, want) {
				t.Errorf("stderr is not one line saying %q:\n%s", want, out.stderr)
			}
		})
	}
}
