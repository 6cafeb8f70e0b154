package ecpaysim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/ecpaysim/ecpaysimtest"
	"github.com/ecpay-go/einvoice/wrapper"
)

func TestAdminAPI(t *testing.T) {
	sim := ecpaysimtest.NewServer(t, ecpaysim.WithClock(fixedClock))
	const delayed = "/_sim/delayed"
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		want        int
		// wantText is in the body: the field at fault for a 4xx.
		wantText string
	}{
		{"register", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132","Tsr":"A1"}`, http.StatusCreated, `"DelayFlag":"2","DelayDay":0`},
		{"register another", http.MethodPost, delayed, "application/json; charset=utf-8", `{"MerchantID":"2000132","Tsr":"A2"}`, http.StatusCreated, `"Tsr":"A2"`},
		{"register scheduled", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132","Tsr":"A3","DelayFlag":"1","DelayDay":3}`, http.StatusCreated, `"DelayFlag":"1","DelayDay":3`},
		{"register waiting with days", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132","Tsr":"A4","DelayFlag":"2","DelayDay":3}`, http.StatusCreated, `"DelayFlag":"2","DelayDay":3`},
		{"null DelayFlag and DelayDay are the defaults", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132","Tsr":"A5","DelayFlag":null,"DelayDay":null}`, http.StatusCreated, `"DelayFlag":"2","DelayDay":0`},
		{"duplicate", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132","Tsr":"A1"}`, http.StatusConflict, "Tsr"},
		{"unknown merchant", http.MethodPost, delayed, "application/json", `{"MerchantID":"1","Tsr":"A1"}`, http.StatusNotFound, "MerchantID"},
		{"Tsr too long", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132","Tsr":"` + strings.Repeat("x", 31) + `"}`, http.StatusBadRequest, "Tsr must be 1 to 30 characters"},
		{"Tsr missing", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132"}`, http.StatusBadRequest, "Tsr must be"},
		{"Tsr a number", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132","Tsr":1}`, http.StatusBadRequest, "Tsr must be a string"},
		{"Tsr not UTF-8", http.MethodPost, delayed, "application/json", "{\"MerchantID\":\"2000132\",\"Tsr\":\"T\xff1\"}", http.StatusBadRequest, "UTF-8"},
		{"DelayFlag a number", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132","Tsr":"B1","DelayFlag":2}`, http.StatusBadRequest, "DelayFlag must be a string"},
		{"DelayFlag 3", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132","Tsr":"B1","DelayFlag":"3"}`, http.StatusBadRequest, "DelayFlag must be"},
		{"DelayDay a string", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132","Tsr":"B1","DelayDay":"3"}`, http.StatusBadRequest, "DelayDay must be a whole number"},
		{"DelayDay a fraction", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132","Tsr":"B1","DelayDay":1.5}`, http.StatusBadRequest, "DelayDay must be a whole number"},
		{"DelayDay beyond int", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132","Tsr":"B1","DelayDay":1e30}`, http.StatusBadRequest, "DelayDay must be a whole number"},
		{"DelayDay negative", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132","Tsr":"B1","DelayDay":-1}`, http.StatusBadRequest, "DelayDay must not be negative"},
		{"unknown field", http.MethodPost, delayed, "application/json", `{"MerchantID":"2000132","Tsn":"A3"}`, http.StatusBadRequest, `unknown field "Tsn"`},
		{"array", http.MethodPost, delayed, "application/json", `[]`, http.StatusBadRequest, `"MerchantID"`},
		{"garbage", http.MethodPost, delayed, "application/json", `garbage`, http.StatusBadRequest, "not JSON"},
		{"wrong content type", http.MethodPost, delayed, "text/plain", `{"MerchantID":"2000132","Tsr":"A3"}`, http.StatusUnsupportedMediaType, "Content-Type"},
		{"oversized", http.MethodPost, delayed, "application/json", `"` + strings.Repeat("x", ecpaysim.MaxBodyBytes) + `"`, http.StatusRequestEntityTooLarge, "1 MiB"},
		{"GET delayed", http.MethodGet, delayed, "", ``, http.StatusMethodNotAllowed, ""},
		{"POST state", http.MethodPost, "/_sim/state", "application/json", `{}`, http.StatusMethodNotAllowed, ""},
		{"unknown admin path", http.MethodGet, "/_sim/nothing", "", ``, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, sim.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.want || !strings.Contains(string(body), tt.wantText) {
				t.Errorf("HTTP %d %q, want %d containing %q", resp.StatusCode, body, tt.want, tt.wantText)
			}
			if resp.StatusCode == http.StatusCreated {
				var inv ecpaysim.Invoice
				if err := json.Unmarshal(body, &inv); err != nil || inv.Status != ecpaysim.StatusPending {
					t.Errorf("201 with %s: %v", body, err)
				}
				return
			}
			if tt.wantText == "" {
				return // the mux's own answer
			}
			msg := string(body)
			if !strings.HasPrefix(msg, "ecpaysim: ") || strings.Contains(msg, "ecpaysim: ecpaysim:") || strings.Count(msg, "\n") != 1 ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
				t.Errorf("error %q (%s), want one text/plain line with one prefix", msg, resp.Header.Get("Content-Type"))
			}
		})
	}

	postJSON(t, cancelOp, sim.URL, cancelRequest(t, "A1"))
	postJSON(t, cancelOp, sim.URL, cancelRequest(t, "A1"))
	postJSON(t, triggerOp, sim.URL, request(t, triggerOp, "A4"))
	resp, err := http.Get(sim.URL + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state ecpaysim.State
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		t.Fatal(err)
	}
	stage := ecpaysim.StageMerchantID
	want := []ecpaysim.Invoice{
		{MerchantID: stage, Tsr: "A1", DelayFlag: ecpaysim.DelayTrigger, Status: ecpaysim.StatusCancelled, CancelRequests: 2},
		{MerchantID: stage, Tsr: "A2", DelayFlag: ecpaysim.DelayTrigger, Status: ecpaysim.StatusPending},
		{MerchantID: stage, Tsr: "A3", DelayFlag: ecpaysim.DelayScheduled, DelayDay: 3, Status: ecpaysim.StatusPending, IssueAt: testNow.AddDate(0, 0, 3)},
		{MerchantID: stage, Tsr: "A4", DelayFlag: ecpaysim.DelayTrigger, DelayDay: 3, Status: ecpaysim.StatusTriggered, TriggerRequests: 1, IssueAt: testNow.AddDate(0, 0, 3)},
		{MerchantID: stage, Tsr: "A5", DelayFlag: ecpaysim.DelayTrigger, Status: ecpaysim.StatusPending},
	}
	if len(state.Invoices) != len(want) || len(state.Merchants) != 1 || state.Requests != 3 || state.Violations != 0 {
		t.Fatalf("state = %+v, want invoices %+v and 3 requests", state, want)
	}
	for i := range want {
		if state.Invoices[i] != want[i] {
			t.Errorf("invoice %d = %+v, want %+v", i, state.Invoices[i], want[i])
		}
	}
}

// The state lists merchants by ID only.
func TestAdminStateHasNoKeys(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	resp, err := http.Get(sim.URL + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if bytes.Contains(body, []byte(ecpaysim.StageHashKey)) || bytes.Contains(body, []byte(ecpaysim.StageHashIV)) {
		t.Errorf("state reveals a key: %s", body)
	}
}

// The state lists the issued invoices with their allowances, as the typed
// client made them.
func TestAdminStateListsIssuedInvoices(t *testing.T) {
	sim := ecpaysimtest.NewServer(t)
	var req wrapper.IssueRequest
	sdkExample(t, "Issue", &req)
	issued, err := sim.Client.Issue(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	no := string(*issued.Data.InvoiceNo)
	var allow wrapper.AllowanceRequest
	sdkExample(t, "Allowance", &allow)
	allow.InvoiceNo, allow.InvoiceDate = no, string(*issued.Data.InvoiceDate)[:10]
	if _, err := sim.Client.Allowance(t.Context(), allow); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(sim.URL + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state ecpaysim.State
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		t.Fatal(err)
	}
	if len(state.Issued) != 1 {
		t.Fatalf("state lists %d issued invoices, want 1", len(state.Issued))
	}
	got := state.Issued[0]
	if got.InvoiceNo != no || got.RelateNumber != req.RelateNumber || got.Status != ecpaysim.InvoiceIssued ||
		len(got.Allowances) != 1 || got.Allowances[0].Amount != 11 || got.Remaining != 21 || len(got.Items) != 1 {
		t.Errorf("state's issued invoice: %+v", got)
	}
}
