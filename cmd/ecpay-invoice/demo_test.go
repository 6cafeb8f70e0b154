package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/wrapper"
)

func TestDemo(t *testing.T) {
	out := runBinary(t, invocation{args: []string{"demo"}})
	if out.code != exitOK {
		t.Fatalf("exit status %d; stderr:\n%s", out.code, out.stderr)
	}
	assertDemo(t, out.stdout)
}

func TestDemoInProcess(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"demo"}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit status %d; stderr:\n%s", code, stderr.String())
	}
	assertClean(t, stdout.String(), stderr.String())
	assertDemo(t, stdout.String())
}

func assertDemo(t *testing.T, stdout string) {
	t.Helper()
	refused, ok := registry.Lookup("CancelDelayIssue").Code(wrapper.RtnCodeNoUpdatableTsr)
	if !ok {
		t.Fatal("the registry does not list CancelDelayIssue's RtnCode 5070305")
	}
	for _, want := range []string{
		"The ECPay simulator listens on http://127.0.0.1:",
		`{"MerchantID":"2000132","PayType":"2","Tsr":"` + demoTriggerTsr + `"}`, // the inner trigger request
		`b. The envelope on the wire: POST http://127.0.0.1:`,
		`/B2CInvoice/TriggerIssue`,
		`"RqHeader":{`,
		`"Data":"`,
		`c. The response envelope: HTTP 200`,
		`"TransCode":1`,
		// The decrypted answers, by their RtnCode and RtnMsg: a vendor
		// update may add members around them.
		`"RtnCode":4000004,"RtnMsg":"開立發票成功"`, // the trigger result
		"*wrapper.TriggerIssueResult{RtnCode: 4000004",
		"the invoice is issued",
		`{"MerchantID":"2000132","Tsr":"` + demoCancelTsr + `"}`,
		`"RtnCode":1,"RtnMsg":"取消開立發票成功"`,
		"*wrapper.CancelDelayIssueResult{RtnCode: 1",
		"the invoice is cancelled",
		`"RtnCode":5070305,"RtnMsg":"B2C取消延遲(或觸發)發票 查無可更新交易單號"`,
		"*wrapper.APIError{RtnCode: 5070305",
		"errors.Is(err, wrapper.ErrConflict) = true and errors.Is(err, wrapper.ErrNotFound) = true.",
		// Why one code is in both classes, in words and from the page.
		"RtnCode 5070305 is classified both as not found and as a conflict, because its page describes it as",
		"for a Tsr it never had (not found) and for one already done (a conflict)",
		"nothing in the answer tells them apart",
		refused.Description,
		"Done: 3 requests",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}
