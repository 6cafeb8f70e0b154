package batch

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/wrapper"
)

// TestEveryAttemptIsJournalledFirst runs a batch whose first attempt is
// refused with HTTP 503 and retried: the attempt hook must journal an
// intent before each attempt, the retry included, read from the attempt's
// inner Data, with no help from the HTTP client.
func TestEveryAttemptIsJournalledFirst(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	if err := sim.AddDelayedInvoice(wrapper.StageMerchantID, "R1"); err != nil {
		t.Fatal(err)
	}
	if err := sim.InjectNext(ecpaysim.Fault{HTTPStatus: 503}); err != nil {
		t.Fatal(err)
	}
	op, why := For(registry.CancelDelayIssue)
	if op == nil {
		t.Fatal(why)
	}
	out := filepath.Join(t.TempDir(), "results.jsonl")
	var stdout bytes.Buffer
	cfg := Config{
		Operation: op, Concurrency: 1, Timeout: 10 * time.Second, Out: out,
		Target: Target{Operation: op.Op.Name, BaseURL: sim.URL, MerchantID: wrapper.StageMerchantID},
		Stdout: &stdout, Stderr: io.Discard,
	}
	b, err := Start(t.Context(), cfg, func(opts ...wrapper.Option) (*wrapper.Client, error) {
		opts = append(opts, wrapper.WithBaseURL(sim.URL), wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 2, InitialBackoff: time.Millisecond}))
		return wrapper.NewClient(wrapper.StageMerchantID, wrapper.StageHashKey, wrapper.StageHashIV, opts...)
	})
	if err != nil {
		t.Fatal(err)
	}
	src, err := OpenSource(t.Context(), []string{"R1"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if code := b.Run(src); code != ExitOK {
		t.Fatalf("exit status %d, stdout %s", code, stdout.String())
	}
	var intents []string
	for _, line := range strings.Split(strings.TrimSpace(readFile(t, out+JournalSuffix)), "\n")[1:] {
		var rec Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Sending {
			intents = append(intents, rec.Key)
		}
	}
	if got := strings.Join(intents, " "); got != "R1 R1" {
		t.Errorf("intents %q, want one per attempt: R1 R1", got)
	}
	if n := len(sim.Requests()); n != 2 {
		t.Errorf("the simulator got %d requests, want 2", n)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
