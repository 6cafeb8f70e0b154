package batch

import (
	"os"
	"syscall"
)

// Interruption is the cause a batch's context ends with when a signal
// stops it: Run then says which signal and exits with ExitInterrupted.
type Interruption struct{ Signal os.Signal }

func (i Interruption) Error() string { return "interrupted by " + SignalName(i.Signal) }

// SignalName names a signal as a shell user knows it: SIGINT, SIGTERM.
func SignalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}
