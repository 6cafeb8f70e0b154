package ecpaysim_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated"
)

var (
	loadDuration = flag.Duration("load", 1500*time.Millisecond, "how long TestLoad runs, e.g. -load=10s")
	loadClients  = flag.Int("load-clients", 64, "concurrent clients of TestLoad")
)

// loadClient cancels fresh delayed invoices through the wire format, as
// lightly as a client can (ecpaycrypto and net/http, no client-side
// validation), so that the figure is the simulator's.
type loadClient struct {
	sim   *ecpaysim.TestServer
	http  *http.Client
	codec *ecpaycrypto.Codec
}

func newLoadClient(tb testing.TB, sim *ecpaysim.TestServer, conns int) *loadClient {
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

// cancel registers tsr and cancels it, and reports anything but RtnCode 1.
func (c *loadClient) cancel(tsr string) error {
	if err := c.sim.AddDelayedInvoice(ecpaysim.StageMerchantID, tsr); err != nil {
		return err
	}
	data, err := c.codec.EncryptJSON(generated.CancelDelayIssueRequestData{MerchantID: ecpaysim.StageMerchantID, Tsr: tsr})
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
	resp, err := c.http.Post(c.sim.URL+"/B2CInvoice/CancelDelayIssue", "application/json", bytes.NewReader(body))
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
	var inner generated.CancelDelayIssueResponseData
	if err := c.codec.DecryptJSON(*env.Data, &inner); err != nil {
		return err
	}
	if inner.RtnCode == nil || *inner.RtnCode != ecpaysim.RtnCodeOK {
		return fmt.Errorf("answer Data %+v", inner)
	}
	return nil
}

// TestLoad runs -load-clients clients against one simulator, validation on,
// for -load and logs the rate. It asserts no timing, only that every request
// succeeded and no answer violated the spec:
//
//	go test -run TestLoad -v ./ecpaysim/ -load=10s
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped with -short")
	}
	sim := ecpaysim.NewServer(t, ecpaysim.WithRequestLimit(1000))
	client := newLoadClient(t, sim, *loadClients)

	var requests, failures atomic.Int64
	var firstErr sync.Once
	deadline := time.Now().Add(*loadDuration)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range *loadClients {
		wg.Go(func() {
			for n := 0; time.Now().Before(deadline); n++ {
				err := client.cancel(fmt.Sprintf("L%d-%d", i, n))
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
	t.Logf("%d clients, %v: %d requests, %.0f req/s, %d errors, %d violations",
		*loadClients, elapsed.Round(time.Millisecond), requests.Load(),
		float64(requests.Load())/elapsed.Seconds(), failures.Load(), len(violations))
	if failures.Load() != 0 || len(violations) != 0 {
		t.Errorf("want 0 errors and 0 violations, got %d and %v", failures.Load(), violations)
	}
}

// BenchmarkSimulator measures cancels through the wire format, validation
// on, from 32×GOMAXPROCS concurrent clients (64 on two cores), and reports
// the throughput as req/s (make bench).
func BenchmarkSimulator(b *testing.B) {
	sim := ecpaysim.NewServer(b, ecpaysim.WithRequestLimit(1000))
	client := newLoadClient(b, sim, 64)
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	defer func() { b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s") }()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := client.cancel(fmt.Sprintf("B%d", next.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	if v := sim.Violations(); len(v) != 0 {
		b.Fatalf("violations: %v", v)
	}
}
