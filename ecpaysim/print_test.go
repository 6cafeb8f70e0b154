package ecpaysim

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/ledger"
	"github.com/ecpay-go/einvoice/generated/invoicenotify"
	"github.com/ecpay-go/einvoice/generated/invoiceprint"
	"github.com/ecpay-go/einvoice/wrapper"
)

// printNow is the clock of the tests of InvoicePrint and InvoiceNotify:
// 2025-01-02 11:04:05 in Taipei.
var printNow = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func printClock() time.Time { return printNow }

// served returns s served over HTTP with its admin API, and a client of
// the stage merchant on it.
func served(t *testing.T, s *Server) (*httptest.Server, *wrapper.Client) {
	t.Helper()
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	client, err := wrapper.NewClient(StageMerchantID, StageHashKey, StageHashIV,
		wrapper.WithBaseURL(hs.URL), wrapper.WithClock(s.Clock()))
	if err != nil {
		t.Fatal(err)
	}
	return hs, client
}

// issueForTest issues an invoice in s's book as Issue would.
func issueForTest(t *testing.T, s *Server, in ledger.Input) ledger.Invoice {
	t.Helper()
	if in.Items == nil {
		in.Items = []ledger.Item{{Seq: 1, Name: "<b>茶</b>", Count: 2, Word: "杯", Price: 50, Amount: 100}}
		in.SalesAmount = 100
	}
	in.TaxType, in.InvType, in.Vat = "1", "07", "1"
	inv, err := s.ledger.Issue(StageMerchantID, in)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestInvoicePrintServesThePageOfAnIssuedInvoice(t *testing.T) {
	s := testServer(t, WithClock(printClock))
	hs, client := served(t, s)
	paper := issueForTest(t, s, ledger.Input{RelateNumber: "P1", Print: "1", Donation: "0", CustomerName: "王小明", CustomerAddr: "台北市", CustomerEmail: "a@example.com"})
	b2b := issueForTest(t, s, ledger.Input{RelateNumber: "P2", Print: "1", Donation: "0", CustomerIdentifier: "97025978", CustomerName: "公司", CustomerAddr: "台北市"})
	carrier := issueForTest(t, s, ledger.Input{RelateNumber: "P3", Print: "0", Donation: "0", CarrierType: "1", CustomerEmail: "a@example.com"})
	day := paper.InvoiceDate.Format("2006-01-02")
	style := func(p invoiceprint.PrintStyle) *invoiceprint.PrintStyle { return &p }
	hidden, reprint := 2, "Y"

	tests := []struct {
		name     string
		req      wrapper.InvoicePrintRequest
		wantCode int
		// want and notWant are in (or not in) the page InvoiceHtml shows.
		want, notWant []string
	}{
		{"paper, default layout", wrapper.InvoicePrintRequest{InvoiceNo: paper.InvoiceNo, InvoiceDate: day}, wrapper.RtnCodeOK,
			[]string{paper.InvoiceNo[:2] + "-" + paper.InvoiceNo[2:], paper.RandomNumber, "&lt;b&gt;茶&lt;/b&gt;", "王小明", "一般列印(單面)", "114年01-02月"},
			[]string{"<b>茶", "補印", "作廢", "<script", "http"}},
		{"date with slashes, items hidden, reprint", wrapper.InvoicePrintRequest{InvoiceNo: paper.InvoiceNo, InvoiceDate: strings.ReplaceAll(day, "-", "/"),
			PrintStyle: style(invoiceprint.PrintStyleThermal), IsShowingDetail: &hidden, IsReprintInvoice: &reprint}, wrapper.RtnCodeOK,
			[]string{"補印", "熱感應紙列印"}, []string{"茶"}},
		{"B2B A4 with a company identifier", wrapper.InvoicePrintRequest{InvoiceNo: b2b.InvoiceNo, InvoiceDate: day, PrintStyle: style(invoiceprint.PrintStyleB2BA4),
			IsShowingDetail: &hidden}, wrapper.RtnCodeOK, []string{"97025978", "B2B A4", "茶"}, nil},
		{"B2B A5 without one", wrapper.InvoicePrintRequest{InvoiceNo: paper.InvoiceNo, InvoiceDate: day, PrintStyle: style(invoiceprint.PrintStyleB2BA5)}, RtnCodeRuleBroken, nil, nil},
		{"a carrier's invoice is not printed", wrapper.InvoicePrintRequest{InvoiceNo: carrier.InvoiceNo, InvoiceDate: day}, wrapper.RtnCodeInvoiceNotFound, nil, nil},
		{"another day", wrapper.InvoicePrintRequest{InvoiceNo: paper.InvoiceNo, InvoiceDate: "2024-01-02"}, wrapper.RtnCodeInvoiceNotFound, nil, nil},
		{"unknown number", wrapper.InvoicePrintRequest{InvoiceNo: "ZZ00000001", InvoiceDate: day}, wrapper.RtnCodeInvoiceNotFound, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := client.InvoicePrint(t.Context(), tt.req)
			if tt.wantCode != wrapper.RtnCodeOK {
				if apiErr, ok := errors.AsType[*wrapper.APIError](err); !ok || apiErr.RtnCode != tt.wantCode {
					t.Fatalf("got %v, %v; want RtnCode %d", res, err, tt.wantCode)
				}
				return
			}
			if err != nil || res.Data.InvoiceHtml == nil {
				t.Fatalf("got %v, %v", res, err)
			}
			u := string(*res.Data.InvoiceHtml)
			if !strings.HasPrefix(u, hs.URL+PrintPrefix+StageMerchantID+"/") {
				t.Errorf("InvoiceHtml %s is not on the simulator's %s", u, hs.URL)
			}
			page := get(t, u, http.StatusOK)
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("the page lacks %q:\n%s", w, page)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(page, w) {
					t.Errorf("the page has %q:\n%s", w, page)
				}
			}
		})
	}
	get(t, hs.URL+PrintPrefix+StageMerchantID+"/ZZ00000001", http.StatusNotFound)
	if _, err := s.ledger.Void(StageMerchantID, ledger.Key{InvoiceNo: paper.InvoiceNo}, "退貨"); err != nil {
		t.Fatal(err)
	}
	if page := get(t, hs.URL+PrintPrefix+StageMerchantID+"/"+paper.InvoiceNo, http.StatusOK); !strings.Contains(page, "作廢") {
		t.Errorf("a voided invoice's page does not say so:\n%s", page)
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
}

// WithBaseURL sets the URL InvoiceHtml is on, for a simulator behind a
// proxy.
func TestInvoicePrintOnWithBaseURL(t *testing.T) {
	s := testServer(t, WithBaseURL("https://sim.example/prefix/"))
	_, client := served(t, s)
	inv := issueForTest(t, s, ledger.Input{RelateNumber: "P1", Print: "1", Donation: "0", CustomerName: "n", CustomerAddr: "a"})
	res, err := client.InvoicePrint(t.Context(), wrapper.InvoicePrintRequest{InvoiceNo: inv.InvoiceNo, InvoiceDate: inv.InvoiceDate.Format("2006-01-02")})
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://sim.example/prefix/_sim/print/2000132/" + inv.InvoiceNo + "?style=1"; string(*res.Data.InvoiceHtml) != want {
		t.Errorf("InvoiceHtml %s, want %s", *res.Data.InvoiceHtml, want)
	}
	for _, bad := range []string{"ftp://x", "http://", "/relative", "http://x/?q=1"} {
		if _, err := New(WithBaseURL(bad)); err == nil || !strings.Contains(err.Error(), "WithBaseURL") {
			t.Errorf("WithBaseURL(%q): %v, want an error naming it", bad, err)
		}
	}
}

func TestInvoiceNotifyRecordsTheNotice(t *testing.T) {
	s := testServer(t, WithClock(printClock))
	_, client := served(t, s)
	inv := issueForTest(t, s, ledger.Input{RelateNumber: "N1", Print: "0", Donation: "0", CustomerEmail: "a@example.com"})
	a, _, err := s.ledger.Allow(StageMerchantID, ledger.Key{InvoiceNo: inv.InvoiceNo}, ledger.AllowanceInput{Amount: 10, Items: inv.Items})
	if err != nil {
		t.Fatal(err)
	}
	mail, phone, allowanceNo, other := "a@example.com", "0912345678", a.AllowanceNo, "2099010112345678"
	tests := []struct {
		name     string
		req      wrapper.InvoiceNotifyRequest
		wantCode int
		wantMsg  string
	}{
		{"issued, by e-mail", wrapper.InvoiceNotifyRequest{InvoiceNo: inv.InvoiceNo, NotifyMail: &mail, Notify: invoicenotify.NotifyEmail,
			InvoiceTag: invoicenotify.InvoiceTagIssued, Notified: invoicenotify.NotifiedCustomer}, wrapper.RtnCodeOK, ""},
		{"allowance, by SMS", wrapper.InvoiceNotifyRequest{InvoiceNo: inv.InvoiceNo, AllowanceNo: &allowanceNo, Phone: &phone, Notify: invoicenotify.NotifySMS,
			InvoiceTag: invoicenotify.InvoiceTagAllowance, Notified: invoicenotify.NotifiedBoth}, wrapper.RtnCodeOK, ""},
		{"unknown allowance", wrapper.InvoiceNotifyRequest{InvoiceNo: inv.InvoiceNo, AllowanceNo: &other, Phone: &phone, Notify: invoicenotify.NotifySMS,
			InvoiceTag: invoicenotify.InvoiceTagAllowanceVoided, Notified: invoicenotify.NotifiedMerchant}, wrapper.RtnCodeInvoiceNotFound, "查無發票資料，請重新確認"},
		{"unknown invoice", wrapper.InvoiceNotifyRequest{InvoiceNo: "ZZ00000001", NotifyMail: &mail, Notify: invoicenotify.NotifyEmail,
			InvoiceTag: invoicenotify.InvoiceTagIssued, Notified: invoicenotify.NotifiedCustomer}, wrapper.RtnCodeInvoiceNotFound, "查無發票資料，請重新確認"},
		{"won: no invoice of the simulator wins", wrapper.InvoiceNotifyRequest{InvoiceNo: inv.InvoiceNo, NotifyMail: &mail, Notify: invoicenotify.NotifyEmail,
			InvoiceTag: invoicenotify.InvoiceTagWon, Notified: invoicenotify.NotifiedCustomer}, wrapper.RtnCodeInvoiceNotFound, msgNotWon},
	}
	for _, tt := range tests {
		res, err := client.InvoiceNotify(t.Context(), tt.req)
		if tt.wantCode == wrapper.RtnCodeOK {
			if err != nil {
				t.Errorf("%s: %v, %v", tt.name, res, err)
			}
			continue
		}
		if apiErr, ok := errors.AsType[*wrapper.APIError](err); !ok || apiErr.RtnCode != tt.wantCode || apiErr.RtnMsg != tt.wantMsg {
			t.Errorf("%s: %v; want RtnCode %d %q", tt.name, err, tt.wantCode, tt.wantMsg)
		}
	}
	want := []Notice{
		{MerchantID: StageMerchantID, InvoiceNo: inv.InvoiceNo, InvoiceTag: "I", Notify: "E", Notified: "C", NotifyMail: mail, Time: printNow},
		{MerchantID: StageMerchantID, InvoiceNo: inv.InvoiceNo, AllowanceNo: allowanceNo, InvoiceTag: "A", Notify: "S", Notified: "A", Phone: phone, Time: printNow},
	}
	got := s.Notices()
	if len(got) != len(want) {
		t.Fatalf("Notices() = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("notice %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// get fetches u and wants status.
func get(t *testing.T, u string, status int) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("GET %s: HTTP %d %s, want %d", u, resp.StatusCode, body, status)
	}
	return string(body)
}
