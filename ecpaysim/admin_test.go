package ecpaysim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
)

func TestAdminAPI(t *testing.T) {
	sim := ecpaysim.NewServer(t, ecpaysim.WithClock(fixedClock))
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		want        int
	}{
		{"register", http.MethodPost, "/_sim/delayed", "application/json", `{"MerchantID":"2000132","Tsr":"A1"}`, http.StatusCreated},
		{"register another", http.MethodPost, "/_sim/delayed", "application/json; charset=utf-8", `{"MerchantID":"2000132","Tsr":"A2"}`, http.StatusCreated},
		{"duplicate", http.MethodPost, "/_sim/delayed", "application/json", `{"MerchantID":"2000132","Tsr":"A1"}`, http.StatusConflict},
		{"unknown merchant", http.MethodPost, "/_sim/delayed", "application/json", `{"MerchantID":"1","Tsr":"A1"}`, http.StatusNotFound},
		{"Tsr too long", http.MethodPost, "/_sim/delayed", "application/json", `{"MerchantID":"2000132","Tsr":"` + strings.Repeat("x", 31) + `"}`, http.StatusBadRequest},
		{"unknown field", http.MethodPost, "/_sim/delayed", "application/json", `{"MerchantID":"2000132","Tsn":"A3"}`, http.StatusBadRequest},
		{"garbage", http.MethodPost, "/_sim/delayed", "application/json", `garbage`, http.StatusBadRequest},
		{"wrong content type", http.MethodPost, "/_sim/delayed", "text/plain", `{"MerchantID":"2000132","Tsr":"A3"}`, http.StatusUnsupportedMediaType},
		{"oversized", http.MethodPost, "/_sim/delayed", "application/json", `"` + strings.Repeat("x", ecpaysim.MaxBodyBytes) + `"`, http.StatusRequestEntityTooLarge},
		{"GET delayed", http.MethodGet, "/_sim/delayed", "", ``, http.StatusMethodNotAllowed},
		{"POST state", http.MethodPost, "/_sim/state", "application/json", `{}`, http.StatusMethodNotAllowed},
		{"unknown admin path", http.MethodGet, "/_sim/nothing", "", ``, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, tt.method, sim.URL+tt.path, tt.contentType, strings.NewReader(tt.body))
			if status != tt.want {
				t.Errorf("HTTP %d, want %d: %s", status, tt.want, body)
			}
		})
	}

	postJSON(t, sim.URL, cancelRequest(t, "A1"))
	postJSON(t, sim.URL, cancelRequest(t, "A1"))
	resp, err := http.Get(sim.URL + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state ecpaysim.State
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		t.Fatal(err)
	}
	want := []ecpaysim.Invoice{
		{MerchantID: ecpaysim.StageMerchantID, Tsr: "A1", Status: ecpaysim.StatusCancelled, CancelRequests: 2},
		{MerchantID: ecpaysim.StageMerchantID, Tsr: "A2", Status: ecpaysim.StatusPending},
	}
	if len(state.Invoices) != len(want) || state.Invoices[0] != want[0] || state.Invoices[1] != want[1] ||
		len(state.Merchants) != 1 || state.Requests != 2 || state.Violations != 0 {
		t.Errorf("state = %+v, want invoices %+v and 2 requests", state, want)
	}
}

// The state lists merchants by ID only.
func TestAdminStateHasNoKeys(t *testing.T) {
	sim := ecpaysim.NewServer(t)
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
