package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// Keys shaped as HashKey and HashIV (16 bytes each), to be looked for in
// the output.
const (
	testKey = "K3yK3yK3yK3yK3yK"
	testIV  = "Iv1Iv1Iv1Iv1Iv1I"
)

// writeMerchantsFile writes text to a file of mode perm and returns its
// path.
func writeMerchantsFile(t *testing.T, text string, perm os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "merchants")
	if err := os.WriteFile(path, []byte(text), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

// No misuse of a flag, the environment or a merchants file gets a key
// repeated: the error names the flag, the argument's position or where the
// merchant was given, never the value. Every flag that takes a value is
// given a merchant in each way package flag accepts, those that name a
// file too (their errors name the file otherwise; --record would create
// it).
func TestRunNeverShowsAKey(t *testing.T) {
	merchant := "3000111:" + testKey + ":" + testIV
	spaced := []string{"3000111", testKey, testIV}
	type misuse struct {
		name   string
		args   []string
		env    string // ECPAY_SIM_MERCHANTS, when not ""
		file   string // a merchants file of mode 0600 holding this, when not ""
		want   string
		exitOK bool // the exit status is 0, not exitUsage
	}
	misuses := []misuse{
		{name: "spaces for colons", args: append([]string{"--merchant"}, spaced...), want: "unexpected argument #3"},
		{name: "spaces for colons after =", args: append([]string{"--merchant=3000111"}, spaced[1:]...), want: "unexpected argument #2"},
		{name: "a merchant alone", args: []string{merchant}, want: "unexpected argument #1"},
		{name: "a merchant as a flag", args: []string{"--quiet", "--" + merchant}, want: "unknown flag in argument #2 (not shown)"},
		{name: "a merchant as a flag with =", args: []string{"-" + testKey + "=" + testIV}, want: "unknown flag in argument #1 (not shown)"},
		{name: "a Tsr twice", args: []string{"--delayed", testKey, "--delayed", testKey + ":2"}, want: "--delayed #2: its Tsr is already registered, by --delayed #1"},
		{name: "the key first", args: []string{"--merchant", testKey + ":3000111:" + testIV}, want: "--merchant #1: the merchant ID must be"},
		{name: "four parts", args: []string{"--merchant", merchant + ":x"}, want: "got 4 parts"},
		{name: "a key of 15 bytes", args: []string{"--merchant", "3000111:" + testKey[1:] + ":" + testIV}, want: "HashKey is 15 bytes"},
		{name: "environment: spaces for colons", env: strings.Join(spaced, " "), want: envMerchants + " entry #1: want ID:HashKey:HashIV"},
		{name: "environment: the key first", env: testKey + ":3000111:" + testIV, want: envMerchants + " entry #1: the merchant ID must be"},
		{name: "environment: twice", env: merchant + "\n" + merchant, want: envMerchants + " entry #2: merchant 3000111 is given twice, first by " + envMerchants + " entry #1"},
		{name: "environment and flag", args: []string{"--merchant", merchant}, env: merchant, want: envMerchants + " entry #1: merchant 3000111 is given twice, first by --merchant #1"},
		{name: "file: spaces for colons", file: "# ours\n" + strings.Join(spaced, " ") + "\n", want: "line 2: want ID:HashKey:HashIV"},
		{name: "file: a short IV", file: "3000111:" + testKey + ":" + testIV[1:], want: "line 1: merchant 3000111: ecpaycrypto: HashIV is 15 bytes"},
	}
	fs, _ := newFlagSet()
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name == "merchant" {
			return // above
		}
		spacedUse := misuse{name: "--" + f.Name + " merchant", args: []string{"--" + f.Name, merchant}}
		if f.Name == "version" {
			spacedUse.exitOK = true // it prints the version, whatever follows
		}
		misuses = append(misuses, misuse{name: "--" + f.Name + "=merchant", args: []string{"--" + f.Name + "=" + merchant}}, spacedUse)
	})
	for _, tt := range misuses {
		t.Run(tt.name, func(t *testing.T) {
			// A misuse that is not refused serves until the context ends.
			ctx, cancel := context.WithCancel(t.Context())
			if tt.file == "" {
				cancel()
			}
			defer cancel()
			if tt.env != "" {
				t.Setenv(envMerchants, tt.env)
			}
			args := tt.args
			if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--addr") }) {
				args = append(slices.Clone(args), "--addr", "127.0.0.1:0")
			}
			if tt.file != "" {
				args = append(args, "--merchants-file", writeMerchantsFile(t, tt.file, 0o600))
			}
			var stdout, stderr bytes.Buffer
			code := run(ctx, args, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			for _, secret := range []string{testKey, testIV, testKey[1:], testIV[1:], testKey[:8], testIV[:8]} {
				if strings.Contains(out, secret) {
					t.Errorf("the output repeats a key: %q", out)
				}
			}
			want := exitUsage
			if tt.exitOK {
				want = exitOK
			}
			if code != want || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit status %d, stderr %q; want %d and %q", code, stderr.String(), want, tt.want)
			}
		})
	}
}

// Merchants come from --merchant, then --merchants-file, then
// ECPAY_SIM_MERCHANTS, all of them, in that order.
func TestRunTakesMerchantsFromTheEnvironmentAndAFile(t *testing.T) {
	t.Setenv(envMerchants, " 1000001:"+testKey+":"+testIV+"\n\t1000002:"+testKey+":"+testIV+" ")
	file := writeMerchantsFile(t, "# the stage merchants\n\n1000003:"+testKey+":"+testIV+"  1000004:"+testKey+":"+testIV+"\n", 0o600)
	ctx, cancel := context.WithCancel(t.Context())
	stdout := &lineWriter{lines: make(chan string, 1)}
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--quiet", "--merchant", "1000005:" + testKey + ":" + testIV, "--merchants-file", file, "--delayed", "T1"}, stdout, &stderr)
	}()
	var url string
	select {
	case url = <-stdout.lines:
	case code := <-done:
		t.Fatalf("exit status %d: %s", code, stderr.String())
	}
	p := &simProcess{url: strings.TrimSpace(url)}
	state := p.state(t)
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit status %d: %s", code, stderr.String())
	}
	if want := []string{"1000005", "1000003", "1000004", "1000001", "1000002"}; !slices.Equal(state.Merchants, want) {
		t.Errorf("merchants %q, want %q", state.Merchants, want)
	}
	if len(state.Invoices) != 1 || state.Invoices[0].MerchantID != "1000005" {
		t.Errorf("invoices %+v, want T1 of the first merchant, 1000005", state.Invoices)
	}
}

// A merchants file others may read is refused, naming it and the fix; so
// are what is not a file, and an empty ECPAY_SIM_MERCHANTS.
func TestRunRejectsBadMerchantSources(t *testing.T) {
	merchant := "3000111:" + testKey + ":" + testIV
	for _, tt := range []struct {
		name string
		env  *string
		file func(t *testing.T) string
		want func(file string) string
	}{
		{
			name: "a file others may read",
			file: func(t *testing.T) string { return writeMerchantsFile(t, merchant, 0o644) },
			want: func(file string) string {
				return "--merchants-file " + file + " may be read by others (mode 0644) and holds keys: chmod 600 " + file
			},
		},
		{
			name: "a file its group may read",
			file: func(t *testing.T) string { return writeMerchantsFile(t, merchant, 0o640) },
			want: func(file string) string { return "(mode 0640) and holds keys: chmod 600 " + file },
		},
		{
			name: "a directory",
			file: func(t *testing.T) string { return t.TempDir() },
			want: func(file string) string { return "--merchants-file " + file + " is a directory" },
		},
		{
			name: "a missing file",
			file: func(t *testing.T) string { return filepath.Join(t.TempDir(), "none") },
			want: func(string) string { return "--merchants-file: stat" },
		},
		{
			name: "an empty variable",
			env:  new(" \n"),
			want: func(string) string { return envMerchants + " is set but holds no merchant" },
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"--addr", "127.0.0.1:0"}
			file := ""
			if tt.file != nil {
				file = tt.file(t)
				args = append(args, "--merchants-file", file)
			}
			if tt.env != nil {
				t.Setenv(envMerchants, *tt.env)
			}
			var stderr bytes.Buffer
			code := run(t.Context(), args, io.Discard, &stderr)
			if code != exitUsage || !strings.Contains(stderr.String(), tt.want(file)) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("exit status %d, stderr %q; want %d and one line with %q", code, stderr.String(), exitUsage, tt.want(file))
			}
			if strings.Contains(stderr.String(), testKey) {
				t.Errorf("stderr %q repeats the key", stderr.String())
			}
		})
	}
}
