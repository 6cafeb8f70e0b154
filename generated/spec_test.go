package generated_test

import (
	"context"
	"slices"
	"testing"

	"github.com/ecpay-go/einvoice/generated"
)

// The embedded spec must be the overlaid one: run-time validation relies on
// the corrections, and needs no file on disk.
func TestEmbeddedSpecIsOverlaid(t *testing.T) {
	doc, err := generated.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("embedded spec is invalid: %v", err)
	}
	op := doc.Paths.Find("/B2CInvoice/CancelDelayIssue").Post
	if op == nil || op.OperationID != "CancelDelayIssue" {
		t.Fatalf("embedded spec lacks operationId CancelDelayIssue")
	}
	envelope := op.RequestBody.Value.Content.Get("application/json").Schema.Value
	if envelope.Properties["PlatformID"] == nil {
		t.Error("request envelope lacks PlatformID")
	}
	if envelope.Properties["RqHeader"].Value.Properties["Revision"] == nil {
		t.Error("RqHeader lacks Revision")
	}
	inner := doc.Components.Schemas["requestBody.Data"].Value
	if !slices.Contains(inner.Required, "Tsr") || !slices.Contains(inner.Required, "MerchantID") {
		t.Errorf("requestBody.Data required = %v, want MerchantID and Tsr", inner.Required)
	}
	if doc.Components.Schemas["responses.Data"] == nil {
		t.Error("embedded spec lost responses.Data")
	}
}

func TestServerURLsComeFromTheSpec(t *testing.T) {
	doc, err := generated.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, s := range doc.Servers {
		urls = append(urls, s.URL)
	}
	for _, u := range []string{generated.ServerURLStage, generated.ServerURLProduction} {
		if !slices.Contains(urls, u) {
			t.Errorf("%s is not among the spec's servers %v", u, urls)
		}
	}
}
