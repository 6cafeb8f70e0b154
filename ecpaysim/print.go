package ecpaysim

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/ledger"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/generated/invoiceprint"
)

// PrintPrefix is where the Server serves the printable pages of its
// invoices, under AdminPrefix: GET /_sim/print/{MerchantID}/{InvoiceNo}.
// InvoicePrint answers the URL of one (its InvoiceHtml) on the URL its
// client reached the Server at (WithBaseURL, or the request's Host), with
// the request's layout in the query: style (PrintStyle), detail
// (IsShowingDetail) and reprint (IsReprintInvoice). The page is HTML with
// its style inline and nothing fetched from elsewhere; it is the
// simulator's own rendering, not ECPay's layout. ECPay's URL is valid about
// an hour; the simulator's as long as the invoice is in its book.
const PrintPrefix = AdminPrefix + "print/"

// invoicePrint is InvoicePrint's behaviour: the URL of the printable page
// of the merchant's invoice InvoiceNo issued on InvoiceDate. An invoice the
// merchant does not have, or that is not printed (Print 0: a carrier's or a
// donated one, as ECPay's stage refuses them), is 2; a B2B layout
// (PrintStyle 4 or 5) for an invoice without a company identifier is
// refused with RtnCodeRuleBroken (ECPay's answer is not known).
func invoicePrint(s *Server, req request) outcome {
	d, ok := req.data.(*invoiceprint.RequestData)
	if !ok || req.injected {
		return outcome{}
	}
	inv, err := s.ledger.Lookup(req.merchantID, ledger.Key{InvoiceNo: d.InvoiceNo, Date: d.InvoiceDate})
	if err != nil || inv.Print != "1" {
		return outcome{code: rtnCodeInvoiceNotFound}
	}
	style := invoiceprint.PrintStyleSingleSided
	if d.PrintStyle != nil {
		style = *d.PrintStyle
	}
	b2b := style == invoiceprint.PrintStyleB2BA4 || style == invoiceprint.PrintStyleB2BA5
	if b2b && inv.CustomerIdentifier == "" {
		return outcome{code: RtnCodeRuleBroken, msg: "PrintStyle 4 and 5 (B2B A4, A5) are only for an invoice with a company identifier (CustomerIdentifier)"}
	}
	q := url.Values{"style": {strconv.Itoa(int(style))}}
	if d.IsShowingDetail != nil {
		q.Set("detail", strconv.Itoa(*d.IsShowingDetail))
	}
	if d.IsReprintInvoice != nil {
		q.Set("reprint", *d.IsReprintInvoice)
	}
	return outcome{code: rtnCodeOK, fields: map[string]any{"InvoiceHtml": printURL(req.baseURL, req.merchantID, inv.InvoiceNo, q)}}
}

// printURL is the URL of an invoice's printable page on base.
func printURL(base, merchantID, invoiceNo string, q url.Values) string {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		// A Host the page's format: uri would refuse; the request came
		// in all the same, so a loopback URL is the best guess.
		u = &url.URL{Scheme: "http", Host: "127.0.0.1"}
	}
	u = u.JoinPath(PrintPrefix, url.PathEscape(merchantID), url.PathEscape(invoiceNo))
	u.RawQuery = q.Encode()
	return u.String()
}

// printPage is what the template of a printable invoice is given.
type printPage struct {
	ledger.Invoice
	Period       string // 發票期別, e.g. 115年11-12月
	Number       string // the number as printed, e.g. SM-00000001
	Date         string // yyyy-MM-dd HH:mm:ss, Taipei
	Style        string
	Detail       bool
	Reprint      bool
	Voided       bool
	Tax, Untaxed int64
	B2B          bool
	SellerID     string
}

// servePrint serves GET /_sim/print/{merchant}/{invoiceNo}: the printable
// page of an invoice in the book, 404 for one that is not.
func (s *Server) servePrint(w http.ResponseWriter, r *http.Request) {
	merchantID, invoiceNo := r.PathValue("merchant"), r.PathValue("invoiceNo")
	inv, ok := s.ledger.ByNumber(merchantID, invoiceNo)
	if !ok {
		writeAnswer(w, plainAnswer(http.StatusNotFound, fmt.Sprintf("merchant %s has no invoice %s in the simulator's book",
			serving.Truncate(merchantID, 20), serving.Truncate(invoiceNo, 20))))
		return
	}
	q := r.URL.Query()
	style := q.Get("style")
	page := printPage{
		Invoice: inv, Period: period(inv), Number: inv.InvoiceNo,
		Date:     inv.InvoiceDate.In(ledger.Taipei).Format(ledger.DateTimeLayout),
		Style:    printStyles[style],
		Detail:   q.Get("detail") != "2" || style == "4" || style == "5",
		Reprint:  q.Get("reprint") == "Y" && style != "4" && style != "5",
		Voided:   inv.Status != ledger.Issued,
		Tax:      inv.TaxAmount(),
		B2B:      inv.CustomerIdentifier != "",
		SellerID: merchantID,
	}
	if len(inv.InvoiceNo) == 10 {
		page.Number = inv.InvoiceNo[:2] + "-" + inv.InvoiceNo[2:]
	}
	if page.Style == "" {
		page.Style = printStyles["1"]
	}
	page.Untaxed = inv.SalesAmount - page.Tax
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	if err := printTemplate.Execute(w, page); err != nil {
		s.violation(fmt.Errorf("rendering the printable page of %s: %w", invoiceNo, err))
	}
}

// printStyles names InvoicePrint's PrintStyle values.
var printStyles = map[string]string{"1": "一般列印(單面)", "2": "一般列印(雙面)", "3": "熱感應紙列印", "4": "B2B A4", "5": "B2B A5"}

// period is the invoice's 發票期別: the two months of its date, in the
// Republic of China's years (the Gregorian year less 1911).
func period(inv ledger.Invoice) string {
	d := inv.InvoiceDate.In(ledger.Taipei)
	first := (int(d.Month())-1)/2*2 + 1
	return fmt.Sprintf("%d年%02d-%02d月", d.Year()-1911, first, first+1)
}

var printTemplate = template.Must(template.New("invoice").Parse(`<!DOCTYPE html>
<html lang="zh-Hant"><head><meta charset="utf-8">
<title>電子發票證明聯 {{.Number}}</title>
<style>
body{font-family:sans-serif;margin:2em}
.slip{border:1px solid #000;width:20em;padding:1em;text-align:center}
.void{color:#c00;font-weight:bold}
table{border-collapse:collapse;margin-top:1em}
td,th{border:1px solid #999;padding:.2em .5em}
.sim{color:#666;font-size:small}
</style></head>
<body>
<div class="slip">
<h1>電子發票證明聯{{if .Reprint}}<br>補印{{end}}</h1>
{{if .Voided}}<p class="void">作廢 (voided{{with .VoidReason}}: {{.}}{{end}})</p>{{end}}
<h2>{{.Period}}</h2>
<h2 id="number">{{.Number}}</h2>
<p>{{.Date}}{{if .B2B}} 格式 25{{end}}</p>
<p>隨機碼 <span id="random">{{.RandomNumber}}</span> 總計 <span id="total">{{.SalesAmount}}</span></p>
<p>賣方 {{.SellerID}}{{if .B2B}} 買方 <span id="buyer">{{.CustomerIdentifier}}</span>{{end}}</p>
{{if .CustomerName}}<p>{{.CustomerName}}{{with .CustomerAddr}}<br>{{.}}{{end}}</p>{{end}}
</div>
{{if .Detail}}<table id="items">
<tr><th>品名</th><th>數量</th><th>單位</th><th>單價</th><th>金額</th></tr>
{{range .Items}}<tr><td>{{.Name}}</td><td>{{.Count}}</td><td>{{.Word}}</td><td>{{.Price}}</td><td>{{.Amount}}</td></tr>
{{end}}<tr><td colspan="4">銷售額</td><td>{{.Untaxed}}</td></tr>
<tr><td colspan="4">稅額</td><td>{{.Tax}}</td></tr>
<tr><td colspan="4">總計</td><td>{{.SalesAmount}}</td></tr>
</table>{{end}}
{{with .InvoiceRemark}}<p>備註 {{.}}</p>{{end}}
<p class="sim">{{.Style}}. Printed by the ECPay simulator (ecpaysim), not by ECPay: not a valid invoice.</p>
</body></html>
`))
