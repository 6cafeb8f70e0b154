//go:build linux

package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exitBound bounds the wait for a process to end after SIGTERM. It is not a
// timing assertion: it only keeps a command that ignores the signal from
// hanging the test.
const exitBound = 60 * time.Second

// waitingCommands are command lines that read the FIFO at path, each until
// its input ends.
func waitingCommands(path string) map[string][]string {
	return map[string][]string{
		"batch --file":       {"cancel-delay-issue", "--base-url", "http://127.0.0.1:1", "--file", path},
		"validate --record":  {"validate", "--record", path},
		"validate --request": {"validate", "--envelope-only", "--request", path},
	}
}

// TestSignalEndsAWaitOnAPipe: a command reading a FIFO whose writer sends
// nothing ends on SIGTERM with exit status 130, as the command's doc says.
func TestSignalEndsAWaitOnAPipe(t *testing.T) {
	for name, args := range waitingCommands("FIFO") {
		t.Run(name, func(t *testing.T) {
			fifo := mkfifo(t)
			args := replaceArg(args, "FIFO", fifo)
			cmd, exited, stderr := startBinary(t, args, nil)
			// The writer's open returns once the command has opened the
			// FIFO, after it has set its signal handling up.
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			terminate(t, cmd, exited, stderr)
		})
	}
}

// TestSignalEndsAWaitForAWriter: a command given a FIFO that nobody writes
// to waits in open(2); SIGTERM ends it with exit status 130.
func TestSignalEndsAWaitForAWriter(t *testing.T) {
	for name, args := range waitingCommands("FIFO") {
		t.Run(name, func(t *testing.T) {
			fifo := mkfifo(t)
			cmd, exited, stderr := startBinary(t, replaceArg(args, "FIFO", fifo), nil)
			waitBlocked(t, cmd.Process.Pid, "wait_for_partner", "fifo_open")
			terminate(t, cmd, exited, stderr)
		})
	}
}

// TestSignalEndsAWaitOnStdin: call reads its Data from stdin when --data is
// not given; a stdin that never ends does not keep it from a signal.
func TestSignalEndsAWaitOnStdin(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cmd, exited, stderr := startBinary(t, []string{"call", "TriggerIssue", "--base-url", "http://127.0.0.1:1"}, r)
	r.Close()
	waitBlocked(t, cmd.Process.Pid, "pipe_read", "pipe_wait")
	terminate(t, cmd, exited, stderr)
}

func mkfifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no FIFO: %v", err)
	}
	return path
}

func replaceArg(args []string, old, new string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.ReplaceAll(a, old, new)
	}
	return out
}

// startBinary starts the built command; exited is closed when it has ended.
func startBinary(t *testing.T, args []string, stdin io.Reader) (cmd *exec.Cmd, exited <-chan struct{}, stderr *strings.Builder) {
	t.Helper()
	cmd = exec.Command(binary, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	cmd.Stdin = stdin
	stderr = new(strings.Builder)
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	return cmd, done, stderr
}

// waitBlocked waits until a thread of the process pid sleeps in one of the
// kernel functions named (or one whose name holds it): nothing the process does announces that it waits,
// so /proc is looked at.
func waitBlocked(t *testing.T, pid int, wchans ...string) {
	t.Helper()
	tasks := filepath.Join("/proc", strconv.Itoa(pid), "task")
	if _, err := os.Stat(tasks); err != nil {
		t.Skipf("no %s: %v", tasks, err)
	}
	waitFor(t, "the command to wait in "+strings.Join(wchans, " or "), exitBound, func() bool {
		files, _ := filepath.Glob(filepath.Join(tasks, "*", "wchan"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			for _, w := range wchans {
				if strings.Contains(string(b), w) {
					return true
				}
			}
		}
		return false
	})
}

// terminate sends SIGTERM and wants the command to end with exit status
// 130, saying on stderr that it was stopped.
func terminate(t *testing.T, cmd *exec.Cmd, exited <-chan struct{}, stderr *strings.Builder) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(exitBound):
		t.Fatalf("still running %s after SIGTERM", exitBound)
	}
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Errorf("exit status %d (%v) after SIGTERM, want %d; stderr:\n%s", code, cmd.ProcessState, exitInterrupted, stderr)
	}
	if !strings.Contains(stderr.String(), "SIGTERM") {
		t.Errorf("stderr does not say SIGTERM stopped it:\n%s", stderr)
	}
}

// TestInputsThatNeverEndAreRefused: a flag naming what is neither a regular
// file nor a pipe is a usage error naming the flag and the file; /dev/zero
// used to be read for ever.
func TestInputsThatNeverEndAreRefused(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{"/dev/zero", dir} {
		kind := "a directory"
		if path == "/dev/zero" {
			kind = "a character device"
		}
		for name, args := range map[string][]string{
			"batch --file":       {"cancel-delay-issue", "--base-url", "http://127.0.0.1:1", "--file", path},
			"validate --record":  {"validate", "--record", path},
			"validate --request": {"validate", "--envelope-only", "--request", path},
		} {
			t.Run(name+" "+path, func(t *testing.T) {
				cmd, exited, stderr := startBinary(t, args, nil)
				select {
				case <-exited:
				case <-time.After(exitBound):
					t.Fatalf("still reading %s after %s", path, exitBound)
				}
				flag := args[len(args)-2]
				want := flag + " " + path + " is " + kind + ", not a regular file or a pipe"
				if code := cmd.ProcessState.ExitCode(); code != exitInvalid || !strings.Contains(stderr.String(), want) {
					t.Errorf("exit status %d, stderr:\n%s\nwant %d and %q", code, stderr, exitInvalid, want)
				}
			})
		}
	}
}

// TestSignalEndsACallInFlight: call waiting for an answer that does not
// come ends on SIGTERM with exit status 130, its result line saying the
// request may have been sent.
func TestSignalEndsACallInFlight(t *testing.T) {
	arrived := make(chan struct{}, 1)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read whole, so that the server notices the caller going away.
		_, _ = io.Copy(io.Discard, r.Body)
		arrived <- struct{}{}
		<-r.Context().Done()
	}))
	t.Cleanup(server.Close)
	cmd, exited, stderr := startBinary(t, []string{"call", "CancelDelayIssue", "--base-url", server.URL, "--data", `{"Tsr":"WAIT1"}`}, nil)
	select {
	case <-arrived:
	case <-exited:
		t.Fatalf("call ended before its request arrived: %v\n%s", cmd.ProcessState, stderr)
	}
	terminate(t, cmd, exited, stderr)
}

// waitFor polls cond until it holds, failing the test after d: for the
// states of another process that no event announces (a thread's wchan).
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
