package proxy_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/ecpaysim/proxy"
	"github.com/ecpay-go/einvoice/wrapper"
)

var issueList = wrapper.GetIssueListRequest{BeginDate: "2026-06-17", EndDate: "2026-06-17", NumPerPage: 30, ShowingPage: 1}

// ECPay answers GetIssueList's Data as a plain JSON object (its overlay's
// x-ecpay-answer-data: plain), as the simulator does: the proxy records such
// an exchange without a violation, CheckExchange finds none in it, and the
// replay sends the plain Data back as it was recorded.
func TestProxyTakesAPlainDataWhereThePageAllowsIt(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	recording := record(t, sim.URL, func(url string) {
		c, _ := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(url))
		if _, err := c.GetIssueList(t.Context(), issueList); err != nil {
			t.Errorf("GetIssueList through the proxy: %v", err)
		}
	})
	exs := readExchanges(t, recording)
	if len(exs) != 1 {
		t.Fatalf("%d exchanges recorded, want 1", len(exs))
	}
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(exs[0].Response.Envelope, &env); err != nil || !strings.HasPrefix(string(env.Data), "{") {
		t.Fatalf("recorded answer %s (%v), want its Data a JSON object", exs[0].Response.Envelope, err)
	}
	if len(exs[0].Violations) != 0 {
		t.Errorf("violations %v", exs[0].Violations)
	}
	if again, err := proxy.CheckExchange(exs[0]); err != nil || len(again) != 0 {
		t.Errorf("checked again: %v, %v", again, err)
	}

	_, url := newTestReplay(t, recording)
	c, _ := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV,
		wrapper.WithBaseURL(url), wrapper.WithClock(func() time.Time { return time.Now().Add(time.Minute) }))
	res, err := c.GetIssueList(t.Context(), issueList)
	if err != nil || res.RtnCode != 1 || res.Envelope.Data != nil {
		t.Errorf("replayed %+v, %v; want the plain answer", res, err)
	}
}

// A plain Data is checked against the page's answer Data schema, with no
// keys; for an operation whose page does not allow it, it is a violation of
// the envelope.
func TestProxyChecksAPlainData(t *testing.T) {
	tests := map[string]struct {
		path, data string
		request    func(c *wrapper.Client)
		want       []string
	}{
		"GetIssueList, as its page says": {
			data:    `{"RtnCode":1,"RtnMsg":"","TotalCount":1,"ShowingPage":1,"InvoiceData":[{"IIS_Number":"JU11083134","IIS_Sales_Amount":100}]}`,
			request: func(c *wrapper.Client) { _, _ = c.GetIssueList(t.Context(), issueList) },
		},
		"GetIssueList with a TotalCount that is no integer": {
			data:    `{"RtnCode":1,"RtnMsg":"","TotalCount":"many"}`,
			request: func(c *wrapper.Client) { _, _ = c.GetIssueList(t.Context(), issueList) },
			want:    []string{"response data#/TotalCount"},
		},
		"CancelDelayIssue": {
			data: `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`,
			request: func(c *wrapper.Client) {
				_, _ = c.CancelDelayIssue(t.Context(), wrapper.CancelDelayIssueRequest{Tsr: "T1"})
			},
			want: []string{"response envelope#/Data"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"MerchantID":"2000132","RpHeader":{"Timestamp":` + strconv.FormatInt(time.Now().Unix(), 10) + `},"TransCode":1,"TransMsg":"","Data":` + tc.data + `}`))
			}))
			t.Cleanup(upstream.Close)
			p := newTestProxy(t, upstream.URL)
			c, _ := wrapper.NewClient(ecpaysim.StageMerchantID, ecpaysim.StageHashKey, ecpaysim.StageHashIV, wrapper.WithBaseURL(p.URL))
			tc.request(c)
			exs := p.exchanges(t)
			if len(exs) != 1 {
				t.Fatalf("%d exchanges, want 1", len(exs))
			}
			var got []string
			for _, v := range exs[0].Violations {
				got = append(got, v.String())
			}
			for _, w := range tc.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
					t.Errorf("violations %q, want one at %s", got, w)
				}
			}
			if len(tc.want) == 0 && len(got) != 0 {
				t.Errorf("violations %q, want none", got)
			}
			again, err := proxy.CheckExchange(exs[0])
			if err != nil || len(again) != len(exs[0].Violations) {
				t.Errorf("checked again: %v, %v; want the recorded violations", again, err)
			}
		})
	}
}
