package main

import (
	"strings"
	"testing"
)

func TestHelpExitsZeroWithAnExample(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"help"},
		{"cancel-delay-issue", "--help"}, {"encrypt", "--help"}, {"decrypt", "--help"},
		{"validate", "--help"}, {"demo", "--help"}, {"cancel-delay-issue", "-h"}, {"help", "validate"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out := runBinary(t, invocation{args: args})
			if out.code != exitOK {
				t.Errorf("exit status %d, want 0; stderr: %s", out.code, out.stderr)
			}
			if !strings.Contains(out.stdout, "usage: ecpay-invoice") || !strings.Contains(out.stdout, "Example") {
				t.Errorf("stdout is not a usage with an example:\n%s", out.stdout)
			}
			if out.stderr != "" {
				t.Errorf("stderr is not empty: %s", out.stderr)
			}
		})
	}
}

func TestUsageErrorIsOneLine(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  []string
		want string // in the line
	}{
		{"no subcommand", nil, nil, "missing subcommand"},
		{"unknown subcommand", []string{"frobnicate"}, nil, "unknown subcommand"},
		{"unknown flag", []string{"cancel-delay-issue", "--frob"}, nil, "not defined"},
		{"no Tsr", []string{"cancel-delay-issue"}, nil, "give --tsr or --file"},
		{"both Tsr and file", []string{"cancel-delay-issue", "--tsr", "A", "--file", "-"}, nil, "not both"},
		{"positional argument", []string{"cancel-delay-issue", "--tsr", "A", "extra"}, nil, "unexpected argument"},
		{"prod without credentials", []string{"cancel-delay-issue", "--env", "prod", "--tsr", "A"}, nil, "--env prod needs credentials"},
		{"unknown env", []string{"cancel-delay-issue", "--env", "qa", "--tsr", "A"}, nil, "--env must be stage or prod"},
		{"http to a remote host", []string{"cancel-delay-issue", "--base-url", "http://einvoice.ecpay.com.tw", "--tsr", "A"}, nil, "plain http is allowed only for loopback"},
		{"http to a private address", []string{"cancel-delay-issue", "--base-url", "http://10.0.0.1:8080", "--tsr", "A"}, nil, "plain http is allowed only for loopback"},
		{"user information in the URL", []string{"cancel-delay-issue", "--base-url", "https://user:" + stageHashKey + "@example.com", "--tsr", "A"}, nil, "user information"},
		{"not a URL scheme", []string{"cancel-delay-issue", "--base-url", "ftp://127.0.0.1", "--tsr", "A"}, nil, "https URL"},
		{"negative timeout", []string{"cancel-delay-issue", "--timeout", "-1s", "--tsr", "A"}, nil, "--timeout"},
		{"bad timeout", []string{"cancel-delay-issue", "--timeout", "soon", "--tsr", "A"}, nil, "timeout"},
		{"zero concurrency", []string{"cancel-delay-issue", "--concurrency", "0", "--tsr", "A"}, nil, "--concurrency"},
		{"negative rate", []string{"cancel-delay-issue", "--rate", "-1", "--tsr", "A"}, nil, "--rate"},
		{"missing file", []string{"cancel-delay-issue", "--file", "/nonexistent/tsrs.txt"}, nil, "--file"},
		{"incomplete credentials", []string{"cancel-delay-issue", "--tsr", "A"}, []string{"ECPAY_MERCHANT_ID=" + otherMerchantID}, "missing --hash-key"},
		{"short key", []string{"encrypt", "--hash-key", stageHashKey[:15], "--hash-iv", stageHashIV}, nil, "HashKey is 15 bytes"},
		{"long merchant ID", []string{"cancel-delay-issue", "--merchant-id", "12345678901", "--hash-key", otherHashKey, "--hash-iv", otherHashIV, "--tsr", "A"}, nil, "MerchantID"},
		{"validate without a file", []string{"validate"}, nil, "--request FILE or --response FILE"},
		{"encrypt with prod and no credentials", []string{"encrypt", "--env", "prod"}, nil, "--env prod needs credentials"},
		{"demo with a flag", []string{"demo", "--tsr", "A"}, nil, "not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := runBinary(t, invocation{args: tt.args, env: tt.env})
			if out.code != exitInvalid {
				t.Errorf("exit status %d, want %d", out.code, exitInvalid)
			}
			if out.stdout != "" {
				t.Errorf("stdout is not empty: %s", out.stdout)
			}
			if strings.Count(out.stderr, "\n") != 1 || !strings.HasSuffix(out.stderr, "\n") {
				t.Errorf("stderr is not exactly one line:\n%s", out.stderr)
			}
			if !strings.Contains(out.stderr, tt.want) {
				t.Errorf("stderr %q lacks %q", out.stderr, tt.want)
			}
		})
	}
}

func TestCheckBaseURL(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://einvoice.ecpay.com.tw":       true,
		"https://proxy.example.com/ecpay":     true,
		"http://127.0.0.1:8080":               true,
		"http://127.1.2.3":                    true,
		"http://[::1]:9000/prefix":            true,
		"http://localhost:8080":               true,
		"http://LOCALHOST":                    true,
		"http://128.0.0.1":                    false,
		"http://localhost.example.com":        false,
		"http://[::2]":                        false,
		"https://example.com/?q=1":            false,
		"https://example.com/#f":              false,
		"https:///nohost":                     false,
		"https://u:p@example.com":             false,
		"einvoice.ecpay.com.tw":               false,
		"http://0.0.0.0:8080":                 false,
		"http://[::ffff:127.0.0.1]:8080/ok":   true,
		"https://einvoice-stage.ecpay.com.tw": true,
	} {
		if err := checkBaseURL(url); (err == nil) != ok {
			t.Errorf("checkBaseURL(%q) = %v, want ok=%t", url, err, ok)
		}
	}
}
