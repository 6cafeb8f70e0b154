package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/wrapper"
)

// --invoice-limit bounds the issued invoices the simulator keeps per
// merchant: a fourth Issue under a limit of 3 forgets the oldest.
func TestInvoiceLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	p := start(t, "--addr", "127.0.0.1:0", "--invoice-limit", "3", "--quiet")
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sdk-examples", "Issue.json"))
	if err != nil {
		t.Fatal(err)
	}
	var req wrapper.IssueRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	client, err := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(p.url))
	if err != nil {
		t.Fatal(err)
	}
	var nos []string
	for i := range 4 {
		req.RelateNumber = fmt.Sprint("Limit", i)
		res, err := client.Issue(t.Context(), req)
		if err != nil {
			t.Fatalf("Issue %d: %v", i, err)
		}
		nos = append(nos, string(*res.Data.InvoiceNo))
	}
	var kept []string
	for _, inv := range p.state(t).Issued {
		kept = append(kept, inv.InvoiceNo)
	}
	if fmt.Sprint(kept) != fmt.Sprint(nos[1:]) {
		t.Errorf("kept %v, want the newest three of %v", kept, nos)
	}
}
