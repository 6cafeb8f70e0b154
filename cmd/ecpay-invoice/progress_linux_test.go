//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/ecpay-go/einvoice/ecpaysim"
)

// openPTY opens a pseudo-terminal: the master to read, the slave to give
// the command as its stderr, a terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	var unlock int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); errno != 0 {
		master.Close()
		t.Skipf("unlocking the pseudo-terminal: %v", errno)
	}
	var n uint32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); errno != 0 {
		master.Close()
		t.Skipf("naming the pseudo-terminal: %v", errno)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Skipf("opening the pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { master.Close(); slave.Close() })
	return master, slave
}

func TestProgressBarOnResumeCountsOnlyTsrsSent(t *testing.T) {
	const settled, left = 60, 6
	tsrs := tsrList("BAR", settled+left)
	sim := newSim(t, tsrs...)
	var done []string
	for _, tsr := range tsrs[:settled] {
		done = append(done, fmt.Sprintf(`{"tsr":%q,"ok":true,"rtn_code":1,"rtn_msg":"取消開立發票成功"}`, tsr))
	}
	out := writeJournal(t, "CancelDelayIssue", sim.URL, done, nil)
	faults := make([]ecpaysim.Fault, left)
	for i := range faults {
		faults[i] = ecpaysim.Fault{Delay: 250 * time.Millisecond}
	}
	if err := sim.InjectNext(faults...); err != nil {
		t.Fatal(err)
	}
	input := filepath.Join(filepath.Dir(out), "tsrs.txt")
	if err := os.WriteFile(input, []byte(strings.Join(tsrs, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	master, slave := openPTY(t)
	cmd := exec.Command(binary, "cancel-delay-issue", "--base-url", sim.URL, "--rate", "0", "--concurrency", "1", "--file", input, "--out", out)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var terminal bytes.Buffer
	copied := make(chan struct{})
	go func() {
		// Reading ends with EIO once the command has exited.
		_, _ = io.Copy(&terminal, master)
		close(copied)
	}()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v; terminal:\n%s", err, terminal.String())
	}
	select {
	case <-copied:
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal did not close")
	}
	screen := terminal.String()
	assertClean(t, stdout.String(), screen)
	counts := regexp.MustCompile(`\((\d+)/(\d+), `).FindAllStringSubmatch(screen, -1)
	if len(counts) == 0 {
		t.Fatalf("no progress bar on the terminal:\n%q", screen)
	}
	for _, c := range counts {
		sent, total := c[1], c[2]
		if total != strconv.Itoa(left) || len(sent) > 1 || sent > strconv.Itoa(left) {
			t.Errorf("the bar shows %s/%s: it counts more than the %d Tsrs sent", sent, total, left)
		}
	}
	if !strings.Contains(screen, fmt.Sprintf("%d skipped", settled)) || !strings.Contains(screen, fmt.Sprintf("(%d/%d, ", left, left)) {
		t.Errorf("the terminal lacks the skipped count or the final count:\n%q", screen)
	}
}
