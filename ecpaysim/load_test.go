package ecpaysim_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/generated/canceldelayissue"
	"github.com/ecpay-go/einvoice/generated/issue"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/generated/triggerissue"
)

var (
	loadDuration = flag.Duration("load", 1500*time.Millisecond, "how long TestLoad runs, e.g. -load=10s")
	loadClients  = flag.Int("load-clients", 64, "concurrent clients of TestLoad")
	loadOp       = flag.String("load-op", cancelOp.Name, "the operation TestLoad and BenchmarkSimulator call on fresh delayed invoices")
)

// loadClient calls an operation on fresh delayed invoices through the wire
// format, as lightly as a client can (ecpaycrypto and net/http, no
// client-side validation), so that the figure is the simulator's.
type loadClient struct {
	sim   *ecpaysimtest.Server
	http  *http.Client
	codec *ecpaycrypto.Codec
}

func newLoadClient(tb testing.TB, sim *ecpaysimtest.Server, conns int) *loadClient {
	tb.Helper()
	codec, err := ecpaycrypto.New(ecpaysim.StageHashKey, ecpaysim.StageHashIV)
	if err != nil {
		tb.Fatal(err)
	}
	transport := sim.HTTP.Client().Transport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = conns
	tb.Cleanup(transport.CloseIdleConnections)
	return &loadClient{sim: sim, http: &http.Client{Transport: transport}, codec: codec}
}

// sdkIssue is ECPay's SDK example of Issue (testdata/sdk-examples/Issue.json
// at the module root), read once, so that the load client spends no time
// building it.
var sdkIssue = sync.OnceValues(func() (issue.RequestData, error) {
	var req issue.RequestData
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "sdk-examples", "Issue.json"))
	if err == nil {
		err = json.Unmarshal(raw, &req)
	}
	return req, err
})

// data returns the request Data of op for tsr: the generated type for the
// lifecycle operations and for Issue (ECPay's SDK example with tsr as its
// RelateNumber, fresh per request as ECPay wants it), the generic builder
// for any other.
func data(op *registry.Operation, tsr string) any {
	switch op {
	case cancelOp:
		return canceldelayissue.RequestData{MerchantID: ecpaysim.StageMerchantID, Tsr: tsr}
	case triggerOp:
		return triggerissue.RequestData{MerchantID: ecpaysim.StageMerchantID, Tsr: tsr, PayType: triggerissue.PayType2}
	case registry.Issue:
		req, err := sdkIssue()
		if err != nil {
			panic(fmt.Sprintf("reading ECPay's SDK example of Issue: %v", err))
		}
		req.MerchantID, req.RelateNumber = ecpaysim.StageMerchantID, tsr
		return req
	}
	return json.RawMessage(innerJSON(op, ecpaysim.StageMerchantID, tsr))
}

// call registers tsr, calls op on it, and reports anything but a success
// code of op.
func (c *loadClient) call(op *registry.Operation, tsr string) error {
	if err := c.sim.AddDelayedInvoice(ecpaysim.StageMerchantID, tsr); err != nil {
		return err
	}
	data, err := c.codec.EncryptJSON(data(op, tsr))
	if err != nil {
		return err
	}
	body, err := json.Marshal(generated.RequestEnvelope{
		MerchantID: ecpaysim.StageMerchantID,
		RqHeader:   generated.RqHeader{Timestamp: int(time.Now().Unix())},
		Data:       data,
	})
	if err != nil {
		return err
	}
	resp, err := c.http.Post(c.sim.URL+op.Path, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	answer, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	var env generated.ResponseEnvelope
	if err := json.Unmarshal(answer, &env); err != nil {
		return fmt.Errorf("HTTP %d: %w", resp.StatusCode, err)
	}
	if env.TransCode == nil || *env.TransCode != ecpaysim.TransCodeOK || env.Data == nil {
		return fmt.Errorf("answer %s", answer)
	}
	var inner innerAnswer
	if err := c.codec.DecryptJSON(*env.Data, &inner); err != nil {
		return err
	}
	if inner.RtnCode == nil || !op.Success(int(*inner.RtnCode)) {
		return fmt.Errorf("answer Data %+v", inner)
	}
	return nil
}

// TestLoad runs -load-clients clients calling -load-op against one
// simulator, every check on, for -load and logs the rate. It asserts no
// timing, only that every request succeeded and no answer violated the spec:
//
//	go test -run 'TestLoad$' -v ./ecpaysim/ -load=10s
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped with -short")
	}
	op := registry.Lookup(*loadOp)
	if op == nil {
		t.Fatalf("-load-op %q: the operations are %s", *loadOp, registry.Names())
	}
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithRequestLimit(1000))
	client := newLoadClient(t, sim, *loadClients)

	var requests, failures atomic.Int64
	var firstErr sync.Once
	deadline := time.Now().Add(*loadDuration)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range *loadClients {
		wg.Go(func() {
			for n := 0; time.Now().Before(deadline); n++ {
				err := client.call(op, fmt.Sprintf("L%d-%d", i, n))
				requests.Add(1)
				if err != nil {
					failures.Add(1)
					firstErr.Do(func() { t.Errorf("first failure: %v", err) })
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	violations := sim.Violations()
	t.Logf("%s, %d clients, %v: %d requests, %.0f req/s, %d errors, %d violations",
		op.Name, *loadClients, elapsed.Round(time.Millisecond), requests.Load(),
		float64(requests.Load())/elapsed.Seconds(), failures.Load(), len(violations))
	if failures.Load() != 0 || len(violations) != 0 {
		t.Errorf("want 0 errors and 0 violations, got %d and %v", failures.Load(), violations)
	}
}

// BenchmarkSimulator measures -load-op (CancelDelayIssue by default; Issue
// sends ECPay's SDK example with a fresh RelateNumber)
// through the wire format, every check on, from 32×GOMAXPROCS concurrent
// clients (64 on two cores), and reports the throughput as req/s (make bench
// runs it as it is):
//
//	go test -run '^$' -bench '^BenchmarkSimulator$' ./ecpaysim/ -load-op=TriggerIssue
func BenchmarkSimulator(b *testing.B) {
	op := registry.Lookup(*loadOp)
	if op == nil {
		b.Fatalf("-load-op %q: the operations are %s", *loadOp, registry.Names())
	}
	sim := ecpaysimtest.NewServer(b, ecpaysim.WithRequestLimit(1000))
	client := newLoadClient(b, sim, 64)
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	defer func() { b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s") }()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := client.call(op, fmt.Sprintf("B%d", next.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	if v := sim.Violations(); len(v) != 0 {
		b.Fatalf("violations: %v", v)
	}
}

// BenchmarkServeHTTP measures the simulator alone: one request at a time to
// ServeHTTP, every check on, without a network or a client, so that its
// allocations and time per request are the simulator's.
func BenchmarkServeHTTP(b *testing.B) {
	for _, op := range registry.All() {
		b.Run("op="+op.Name, func(b *testing.B) {
			sim, err := ecpaysim.New(ecpaysim.WithRequestLimit(1000))
			if err != nil {
				b.Fatal(err)
			}
			codec, err := ecpaycrypto.New(ecpaysim.StageHashKey, ecpaysim.StageHashIV)
			if err != nil {
				b.Fatal(err)
			}
			bodies := make([][]byte, b.N)
			for i := range b.N {
				tsr := fmt.Sprintf("B%d", i)
				if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, tsr); err != nil {
					b.Fatal(err)
				}
				encrypted, err := codec.EncryptJSON(data(op, tsr))
				if err != nil {
					b.Fatal(err)
				}
				bodies[i], err = json.Marshal(generated.RequestEnvelope{
					MerchantID: ecpaysim.StageMerchantID,
					RqHeader:   generated.RqHeader{Timestamp: int(time.Now().Unix())},
					Data:       encrypted,
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			ok := []byte(`"TransCode":1,`)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				r := httptest.NewRequest(http.MethodPost, op.Path, bytes.NewReader(bodies[i]))
				r.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				sim.ServeHTTP(w, r)
				if w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), ok) {
					b.Fatalf("HTTP %d %s", w.Code, w.Body)
				}
			}
		})
	}
}
