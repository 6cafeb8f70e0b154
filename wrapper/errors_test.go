package wrapper_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/generated/triggerissue"
	"github.com/ecpay-go/einvoice/wrapper"
)

var classSentinels = map[registry.Class]error{
	registry.NotFound:    wrapper.ErrNotFound,
	registry.Conflict:    wrapper.ErrConflict,
	registry.Credentials: wrapper.ErrCredentials,
	registry.Busy:        wrapper.ErrBusy,
	registry.Transient:   wrapper.ErrTransient,
}

// wantClasses fails t unless err matches exactly the sentinels of want.
func wantClasses(t *testing.T, err error, want ...registry.Class) {
	t.Helper()
	for class, sentinel := range classSentinels {
		if got := errors.Is(err, sentinel); got != slices.Contains(want, class) {
			t.Errorf("errors.Is(%v, %v) = %v, want %v", err, sentinel, got, !got)
		}
	}
}

// call makes op's call against url with a valid request.
func callOp(t *testing.T, c *wrapper.Client, op string) error {
	t.Helper()
	switch op {
	case "CancelDelayIssue":
		_, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
		return err
	case "TriggerIssue":
		_, err := c.TriggerIssue(bg, wrapper.TriggerIssueRequest{Tsr: "T1", PayType: triggerissue.PayType2})
		return err
	}
	t.Fatalf("no operation %s", op)
	return nil
}

// A refusal is classified by its code where the pages' overlays list it,
// and by the keywords of its message otherwise, so that callers need not
// know ECPay's codes.
func TestRefusalsAreClassified(t *testing.T) {
	tests := map[string]struct {
		op   string
		code int
		msg  string
		want []registry.Class
	}{
		// By the code, as the overlays list it.
		"5070305 of CancelDelayIssue":         {op: "CancelDelayIssue", code: wrapper.RtnCodeNoUpdatableTsr, msg: "B2C取消延遲(或觸發)發票 查無可更新交易單號", want: []registry.Class{registry.NotFound, registry.Conflict}},
		"4000001 of TriggerIssue":             {op: "TriggerIssue", code: wrapper.RtnCodeUnknownTsr, msg: "不存在此交易單號", want: []registry.Class{registry.NotFound}},
		"9000001, any operation":              {op: "CancelDelayIssue", code: wrapper.RtnCodeTaxSystemFailed, msg: "呼叫財政部API失敗", want: []registry.Class{registry.Transient}},
		"9999999, any operation":              {op: "TriggerIssue", code: wrapper.RtnCodeSystemError, msg: "系統異常,請稍後再試", want: []registry.Class{registry.Busy}},
		"a listed code wins over its message": {op: "TriggerIssue", code: wrapper.RtnCodeUnknownTsr, msg: "重複", want: []registry.Class{registry.NotFound}},
		// By the message, for a code no overlay lists.
		"查無":              {op: "CancelDelayIssue", code: 5000001, msg: "查無此交易單號", want: []registry.Class{registry.NotFound}},
		"不存在":             {op: "TriggerIssue", code: 5000002, msg: "發票不存在", want: []registry.Class{registry.NotFound}},
		"已作廢":             {op: "CancelDelayIssue", code: 5000003, msg: "該發票已作廢", want: []registry.Class{registry.Conflict}},
		"已存在":             {op: "TriggerIssue", code: 5000004, msg: "資料已存在", want: []registry.Class{registry.Conflict}},
		"重複":              {op: "CancelDelayIssue", code: 5000005, msg: "交易單號重複", want: []registry.Class{registry.Conflict}},
		"金鑰":              {op: "TriggerIssue", code: 5000006, msg: "金鑰錯誤", want: []registry.Class{registry.Credentials}},
		"簽章":              {op: "CancelDelayIssue", code: 5000007, msg: "簽章驗證失敗", want: []registry.Class{registry.Credentials}},
		"系統忙碌":            {op: "TriggerIssue", code: 5000008, msg: "系統忙碌中", want: []registry.Class{registry.Busy}},
		"請稍後":             {op: "CancelDelayIssue", code: 5000009, msg: "請稍後再試", want: []registry.Class{registry.Busy}},
		"財政部…失敗":          {op: "TriggerIssue", code: 5000010, msg: "財政部大平台連線失敗", want: []registry.Class{registry.Transient}},
		"財政部 alone":       {op: "CancelDelayIssue", code: 5000011, msg: "財政部", want: nil},
		"失敗 alone":        {op: "CancelDelayIssue", code: 5000012, msg: "失敗", want: nil},
		"two keywords":    {op: "TriggerIssue", code: 5000013, msg: "查無資料,請稍後再試", want: []registry.Class{registry.NotFound, registry.Busy}},
		"no keyword":      {op: "CancelDelayIssue", code: 5000014, msg: "其他錯誤", want: nil},
		"an empty RtnMsg": {op: "TriggerIssue", code: 5000015, msg: "", want: nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sim := newSim(t)
			inject(t, sim, ecpaysim.Fault{RtnCode: tc.code, RtnMsg: tc.msg})
			err := callOp(t, client(t, sim.URL), tc.op)
			var ae *wrapper.APIError
			if !errors.As(err, &ae) || ae.Operation != tc.op || ae.RtnCode != tc.code {
				t.Fatalf("err = %v, want an APIError %d of %s", err, tc.code, tc.op)
			}
			wantClasses(t, err, tc.want...)
			if got := ae.Classes(); !sameClasses(got, tc.want) {
				t.Errorf("Classes() = %v, want %v", got, tc.want)
			}
		})
	}
}

func sameClasses(a, b []registry.Class) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// A rejected envelope is classified by its TransMsg, an HTTP answer by the
// statuses that ask to wait.
func TestTransAndHTTPErrorsAreClassified(t *testing.T) {
	tests := map[string]struct {
		status   int    // a plain server's answer when set, else the simulator's
		body     string // the plain server's body
		fault    ecpaysim.Fault
		wantKind string
		want     []registry.Class
	}{
		"TransMsg 金鑰":          {fault: ecpaysim.Fault{TransCode: 10400002, TransMsg: "金鑰錯誤"}, wantKind: wrapper.KindTrans, want: []registry.Class{registry.Credentials}},
		"TransMsg 簽章":          {fault: ecpaysim.Fault{TransCode: 10400003, TransMsg: "簽章錯誤"}, wantKind: wrapper.KindTrans, want: []registry.Class{registry.Credentials}},
		"TransMsg 系統忙碌":        {fault: ecpaysim.Fault{TransCode: 10400004, TransMsg: "系統忙碌"}, wantKind: wrapper.KindTrans, want: []registry.Class{registry.Busy}},
		"TransMsg in English":  {fault: ecpaysim.Fault{TransCode: 10000006, TransMsg: "Timestamp Error"}, wantKind: wrapper.KindTrans},
		"HTTP 403":             {status: http.StatusForbidden, body: "Forbidden", wantKind: wrapper.KindHTTP, want: []registry.Class{registry.Busy}},
		"HTTP 429":             {status: http.StatusTooManyRequests, body: "slow down", wantKind: wrapper.KindHTTP, want: []registry.Class{registry.Busy}},
		"HTTP 503":             {status: http.StatusServiceUnavailable, body: "down", wantKind: wrapper.KindHTTP, want: []registry.Class{registry.Busy}},
		"HTTP 500":             {status: http.StatusInternalServerError, body: "oops", wantKind: wrapper.KindHTTP},
		"HTTP 502 saying 請稍後":  {status: http.StatusBadGateway, body: "請稍後", wantKind: wrapper.KindHTTP},
		"HTTP 404":             {status: http.StatusNotFound, body: "查無", wantKind: wrapper.KindHTTP},
		"an unreadable answer": {status: http.StatusOK, body: "查無", wantKind: wrapper.KindDecode},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var url string
			if tc.status != 0 {
				url = plainServer(t, tc.status, nil, tc.body).URL
			} else {
				sim := newSim(t)
				inject(t, sim, tc.fault)
				url = sim.URL
			}
			err := callOp(t, client(t, url), "TriggerIssue")
			if got := wrapper.ErrorKind(err); got != tc.wantKind {
				t.Fatalf("ErrorKind(%v) = %s, want %s", err, got, tc.wantKind)
			}
			wantClasses(t, err, tc.want...)
		})
	}
}

// HTTPError keeps a bounded, one-line start of the body with the keys
// redacted, and the wait Retry-After asks for.
func TestHTTPErrorKeepsASafeSnippet(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	// A secret straddling the snippet's end must not show even in part.
	straddling := strings.Repeat("x", 250) + hashKey + strings.Repeat("y", 100)
	tests := map[string]struct {
		body       string
		header     http.Header
		wantBody   string // exact, unless empty
		wantIn     []string
		wantAfter  time.Duration
		wantAbsent []string
	}{
		"the keys on an error page": {
			body:       "<h1>500</h1>\nHashKey=" + hashKey + "\r\nHashIV=" + hashIV + "\n",
			wantBody:   "<h1>500</h1> HashKey=[redacted] HashIV=[redacted]",
			wantAbsent: []string{hashKey, hashIV},
		},
		"a key straddling the cut": {body: straddling, wantAbsent: []string{hashKey[:4], "y"}},
		"10 KB on many lines":      {body: strings.Repeat("line of text\n", 800), wantIn: []string{"line of text line of text"}},
		"bytes that are not UTF-8": {body: strings.Repeat("\xff", 300), wantBody: strings.Repeat("\uFFFD", 256/3)},
		"control and format characters": {
			body:     "a\x00b\x1bc\u202ed\ufeffe\xfff",
			wantBody: "a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf",
		},
		"Retry-After in seconds":   {body: "busy", header: http.Header{"Retry-After": {"120"}}, wantAfter: 2 * time.Minute},
		"Retry-After as a date":    {body: "busy", header: http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, wantAfter: 90 * time.Second},
		"Retry-After in the past":  {body: "busy", header: http.Header{"Retry-After": {now.Add(-time.Hour).Format(http.TimeFormat)}}},
		"Retry-After not a number": {body: "busy", header: http.Header{"Retry-After": {"soon"}}},
		"Retry-After negative":     {body: "busy", header: http.Header{"Retry-After": {"-5"}}},
		"Retry-After enormous":     {body: "busy", header: http.Header{"Retry-After": {"99999999999"}}, wantAfter: 24 * time.Hour},
		"no body":                  {body: ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := plainServer(t, http.StatusServiceUnavailable, tc.header, tc.body)
			_, err := client(t, srv.URL, wrapper.WithClock(fixedClock(now))).CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
			var he *wrapper.HTTPError
			if !errors.As(err, &he) {
				t.Fatalf("err = %v, want an HTTPError", err)
			}
			if he.Operation != "CancelDelayIssue" || he.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("HTTPError %+v", he)
			}
			if len(he.Body) > 256 || strings.ContainsAny(he.Body, "\r\n\t") || !utf8.ValidString(he.Body) {
				t.Errorf("Body is %d bytes, or not one line of UTF-8: %q", len(he.Body), he.Body)
			}
			if tc.wantBody != "" && he.Body != tc.wantBody {
				t.Errorf("Body = %q, want %q", he.Body, tc.wantBody)
			}
			for _, s := range tc.wantIn {
				if !strings.Contains(he.Body, s) {
					t.Errorf("Body %q lacks %q", he.Body, s)
				}
			}
			for _, s := range tc.wantAbsent {
				if strings.Contains(he.Body, s) {
					t.Errorf("Body %q shows %q", he.Body, s)
				}
			}
			assertNoSecret(t, err.Error())
			if he.RetryAfter != tc.wantAfter {
				t.Errorf("RetryAfter = %v, want %v", he.RetryAfter, tc.wantAfter)
			}
			if tc.wantAfter > 0 && !strings.Contains(err.Error(), "Retry-After: "+tc.wantAfter.String()) {
				t.Errorf("message %q does not give the Retry-After", err)
			}
			if tc.body == "" && strings.Contains(err.Error(), "body begins") {
				t.Errorf("message %q quotes an empty body", err)
			}
		})
	}
}

// A server's TransMsg and RtnMsg reach the caller as HTTPError's body does:
// capped, on one line, without a control character or the merchant's keys,
// in the error's fields, in its message and in a Result's RtnMsg.
func TestServerMessagesAreMadeSafe(t *testing.T) {
	const echo = "key " + hashKey + " iv " + hashIV + " \x1b[2J\r\nforged line\x1b]0;title\x07"
	// Big, within the client's limit on a body (for RtnMsg, once
	// encrypted), and beyond the page's maxLength: raw.
	huge, big := strings.Repeat("訊", 900<<10/3), strings.Repeat("訊", 40<<10/3)
	// The simulator answers the Data (its faults keep TransMsg within the
	// page, so a plain server answers the rejections).
	refused := func(msg string) func(t *testing.T) string {
		return func(t *testing.T) string {
			sim := newSim(t)
			inject(t, sim, ecpaysim.Fault{Data: inner(9_999_999, msg)})
			return sim.URL
		}
	}
	succeeded := func(msg string) func(t *testing.T) string {
		return func(t *testing.T) string {
			sim := newSim(t)
			inject(t, sim, ecpaysim.Fault{Data: inner(registry.TriggerIssue.Successes()[0].Code, msg)})
			return sim.URL
		}
	}
	rejected := func(msg string) func(t *testing.T) string {
		return func(t *testing.T) string {
			raw, err := json.Marshal(map[string]any{
				"MerchantID": merchantID, "RpHeader": map[string]any{"Timestamp": time.Now().Unix()},
				"TransCode": 2, "TransMsg": msg, "Data": "",
			})
			if err != nil {
				t.Fatal(err)
			}
			return plainServer(t, http.StatusOK, nil, string(raw)).URL
		}
	}
	tests := map[string]struct {
		serve func(t *testing.T) string // the base URL
		msg   func(t *testing.T, res *wrapper.Result[json.RawMessage], err error) string
	}{
		"TransMsg echoing the keys": {rejected(echo), transMsg},
		"TransMsg of 900 KB":        {rejected(huge), transMsg},
		"RtnMsg echoing the keys":   {refused(echo), rtnMsg},
		"RtnMsg of 40 KB":           {refused(big), rtnMsg},
		"RtnMsg of a success": {succeeded(echo), func(t *testing.T, res *wrapper.Result[json.RawMessage], err error) string {
			if err != nil {
				t.Fatal(err)
			}
			return res.RtnMsg
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := client(t, tc.serve(t)).Call(bg, "TriggerIssue", json.RawMessage(`{"Tsr":"T1","PayType":"2"}`))
			msg := tc.msg(t, res, err)
			texts := []string{msg}
			if err != nil {
				texts = append(texts, err.Error())
			}
			for _, s := range texts {
				if len(msg) > 256 || strings.ContainsAny(s, "\x1b\r\n\x07") || !utf8.ValidString(s) || strings.Contains(s, hashKey) || strings.Contains(s, hashIV) {
					t.Errorf("%d bytes, not one safe line: %q", len(s), s[:min(len(s), 400)])
				}
			}
			if strings.Contains(name, "echo") && !strings.Contains(msg, "key [redacted] iv [redacted]") {
				t.Errorf("message %q does not say the keys were redacted", msg)
			}
		})
	}
}

func transMsg(t *testing.T, _ *wrapper.Result[json.RawMessage], err error) string {
	var te *wrapper.TransError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a TransError", err)
	}
	return te.TransMsg
}

func rtnMsg(t *testing.T, _ *wrapper.Result[json.RawMessage], err error) string {
	var ae *wrapper.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an APIError", err)
	}
	return ae.RtnMsg
}
