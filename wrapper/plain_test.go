package wrapper_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/generated/getissuelist"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/testkit"
	"github.com/ecpay-go/einvoice/wrapper"
)

// issueListPage is a GetIssueList answer's Data as an independent client
// tested against ECPay's stage reads it: a page of the list, one invoice,
// amounts as numbers.
const issueListPage = `{"RtnCode":1,"RtnMsg":"","TotalCount":3718,"ShowingPage":2,"InvoiceData":[{"IIS_Number":"JU11083134",` +
	`"IIS_Relate_Number":"ORDER_1","IIS_Identifier":"0000000000","IIS_Category":"B2C","IIS_Tax_Type":"1","IIS_Tax_Amount":0,` +
	`"IIS_Sales_Amount":100,"IIS_Create_Date":"2026-06-17 22:17:00","IIS_Invalid_Status":"0","IIS_Upload_Status":"1","IIS_Remain_Allowance_Amt":100}]}`

// answerWithData is an accepted answer envelope whose Data member is the
// JSON value data as it stands: an object, or a quoted encrypted string.
func answerWithData(data string) string {
	return `{"MerchantID":"2000132","RpHeader":{"Timestamp":1750000000},"TransCode":1,"TransMsg":"","Data":` + data + `}`
}

var issueListRequest = wrapper.GetIssueListRequest{BeginDate: "2026-06-17", EndDate: "2026-06-17", NumPerPage: 30, ShowingPage: 2}

// GetIssueList's page says its answer Data is encrypted, but ECPay answers
// it as a plain JSON object (x-ecpay-answer-data: plain in its overlay):
// the client takes the object as the answer, decoded leniently as every
// answer is, and still decrypts a Data string, from ECPay or from the
// simulator, which answers plain as ECPay does.
func TestGetIssueListTakesAPlainOrAnEncryptedData(t *testing.T) {
	if !registry.GetIssueList.PlainAnswerData {
		t.Fatal("registry.GetIssueList.PlainAnswerData is false: its overlay no longer says x-ecpay-answer-data: plain")
	}
	tests := map[string]struct {
		data      func(t *testing.T) string // the envelope's Data member
		wantTotal int
		wantFirst string
	}{
		"a plain object, as ECPay answers": {
			data:      func(*testing.T) string { return issueListPage },
			wantTotal: 3718,
			wantFirst: "JU11083134",
		},
		"the encrypted string of the page": {
			data:      func(t *testing.T) string { return fmt.Sprintf("%q", testkit.StageData(t, issueListPage)) },
			wantTotal: 3718,
			wantFirst: "JU11083134",
		},
		"a plain object with quoted numbers": {
			data:      func(*testing.T) string { return `{"RtnCode":"1","RtnMsg":"","TotalCount":"0","ShowingPage":1}` },
			wantTotal: 0,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := plainServer(t, 200, nil, answerWithData(tc.data(t)))
			res, err := client(t, srv.URL).GetIssueList(bg, issueListRequest)
			if err != nil {
				t.Fatal(err)
			}
			d := res.Data
			if res.RtnCode != 1 || d.TotalCount == nil || int(*d.TotalCount) != tc.wantTotal {
				t.Fatalf("RtnCode %d, TotalCount %v; want 1 and %d", res.RtnCode, d.TotalCount, tc.wantTotal)
			}
			if tc.wantFirst == "" {
				return
			}
			if d.InvoiceData == nil || len(*d.InvoiceData) != 1 {
				t.Fatalf("InvoiceData %v, want one invoice", d.InvoiceData)
			}
			first := (*d.InvoiceData)[0]
			if first.IISNumber == nil || string(*first.IISNumber) != tc.wantFirst || first.IISSalesAmount == nil || *first.IISSalesAmount != 100 {
				t.Errorf("first invoice %+v, want %s of 100", first, tc.wantFirst)
			}
			if res.Timestamp.Unix() != 1750000000 || res.Envelope.TransCode == nil {
				t.Errorf("envelope %+v at %v, want the answer's", res.Envelope, res.Timestamp)
			}
		})
	}
}

// The simulator answers GetIssueList's Data plain, as ECPay does, and its
// typed method reads it.
func TestGetIssueListOfTheSimulator(t *testing.T) {
	sim := newSim(t)
	res, err := client(t, sim.URL).GetIssueList(bg, issueListRequest)
	if err != nil {
		t.Fatal(err)
	}
	if res.RtnCode != 1 || res.Data.TotalCount == nil || res.Envelope.Data != nil {
		t.Errorf("RtnCode %d, TotalCount %v, envelope Data %v; want 1, the default answer's count, no Data string", res.RtnCode, res.Data.TotalCount, res.Envelope.Data)
	}
	got := sim.Requests()
	if len(got) != 1 || !bytes.HasPrefix(got[0].Answer.Plaintext, []byte("{")) || !bytes.Contains(got[0].Answer.Body, got[0].Answer.Plaintext) {
		t.Errorf("the simulator answered %s, want its Data in the body as it is", got[0].Answer.Body)
	}
}

// A plain Data that refuses is the refusal it says, and Call returns a
// plain Data as the answer's JSON.
func TestAPlainDataIsReadAsADecryptedOne(t *testing.T) {
	busy := plainServer(t, 200, nil, answerWithData(`{"RtnCode":9999999,"RtnMsg":"系統異常,請稍後再試"}`))
	_, err := client(t, busy.URL).GetIssueList(bg, issueListRequest)
	var ae *wrapper.APIError
	if !errors.As(err, &ae) || ae.RtnCode != 9999999 || !errors.Is(err, wrapper.ErrBusy) {
		t.Errorf("err = %v, want the APIError 9999999, ErrBusy", err)
	}

	srv := plainServer(t, 200, nil, answerWithData(issueListPage))
	req, err := json.Marshal(issueListRequest)
	if err != nil {
		t.Fatal(err)
	}
	res, err := client(t, srv.URL).Call(bg, "GetIssueList", req)
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Data) != issueListPage {
		t.Errorf("Call's Data = %s, want the plain Data as sent", res.Data)
	}
}

// For an operation whose page does not say that its answer Data may be
// plain, an object Data is an error that names the operation, says what
// was received and which operations are answered so, and quotes nothing of
// the answer; what is wrong with the rest of the envelope is still said.
func TestAnObjectDataIsAnErrorForAnyOtherOperation(t *testing.T) {
	tests := map[string]struct {
		body string
		want []string
	}{
		"CancelDelayIssue answered a plain object": {
			body: answerWithData(`{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`),
			want: []string{"CancelDelayIssue: unreadable response: Data is a JSON object (", " bytes), not the encrypted string", "x-ecpay-answer-data: plain (GetIssueList)"},
		},
		"an object Data and a TransCode that is no number": {
			body: `{"TransCode":"one","Data":{"RtnCode":1}}`,
			want: []string{"CancelDelayIssue: unreadable response: body is not an ECPay JSON envelope", "TransCode"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := plainServer(t, 200, nil, tc.body)
			_, err := client(t, srv.URL).CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
			var de *wrapper.DecodeError
			if !errors.As(err, &de) || de.Operation != "CancelDelayIssue" {
				t.Fatalf("err = %v, want a DecodeError of CancelDelayIssue", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
			assertNoSecret(t, err.Error())
		})
	}
}

// DecryptResponses gives GetIssueList's generated client the plain Data as
// it gives every other the decrypted one: its text as the envelope's Data;
// an object Data of any other operation is a DecodeError.
func TestDecryptResponsesTakesAPlainData(t *testing.T) {
	codec := stageCodec(t)
	sim := newSim(t)
	c, err := getissuelist.NewClientWithResponses(sim.URL,
		getissuelist.WithHTTPClient(wrapper.DecryptResponses(codec, nil)),
		getissuelist.WithRequestEditorFn(wrapper.EncryptRequest(codec)))
	if err != nil {
		t.Fatal(err)
	}
	req := issueListRequest
	req.MerchantID = merchantID
	data, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.GetIssueListWithResponse(bg, getissuelist.GetIssueListJSONRequestBody{MerchantID: merchantID, Data: string(data)})
	if err != nil {
		t.Fatal(err)
	}
	var res getissuelist.ResponseData
	if resp.JSON200 == nil || resp.JSON200.Data == nil || json.Unmarshal([]byte(*resp.JSON200.Data), &res) != nil || res.RtnCode == nil || *res.RtnCode != 1 || res.TotalCount == nil {
		t.Fatalf("answer %s", resp.Body)
	}

	srv := plainServer(t, 200, nil, answerWithData(`{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`))
	_, err = generatedClient(t, srv.URL, time.Now()).CancelDelayIssueWithResponse(bg, plainRequest("T1"))
	var de *wrapper.DecodeError
	if !errors.As(err, &de) || de.Operation != "CancelDelayIssue" || !strings.Contains(err.Error(), "Data is a JSON object") {
		t.Errorf("err = %v, want the DecodeError of an object Data of CancelDelayIssue", err)
	}
	assertNoSecret(t, fmt.Sprint(err))
}
