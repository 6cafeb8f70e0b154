package wrapper_test

import (
	"errors"
	"testing"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/wrapper"
)

// An answer looser than its page (numbers where the page says String,
// quoted numbers, integers and amounts as 50.0) is still ECPay's answer: a
// success stays a success, a refusal a refusal, never a DecodeError that a
// caller would retry into a duplicate.
func TestAnswersLooserThanThePageDecode(t *testing.T) {
	tests := map[string]struct {
		data     string
		call     func(t *testing.T, c *wrapper.Client) (rtnCode int, rtnMsg string, err error)
		wantCode int
		wantMsg  string
	}{
		"a numeric RtnMsg and a quoted RtnCode": {
			data: `{"RtnCode":"1","RtnMsg":12345}`,
			call: func(t *testing.T, c *wrapper.Client) (int, string, error) {
				res, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
				if err != nil {
					return 0, "", err
				}
				if res.Data.RtnMsg == nil || *res.Data.RtnMsg != "12345" {
					t.Errorf("Data.RtnMsg = %v, want the number's text", res.Data.RtnMsg)
				}
				return res.RtnCode, res.RtnMsg, nil
			},
			wantCode: 1,
			wantMsg:  "12345",
		},
		"GetIssue's amounts quoted, its flags numbers, RtnCode as 1.0": {
			data: `{"RtnCode":1.0,"RtnMsg":"查詢成功","IIS_Sales_Amount":"50.0","IIS_Tax_Amount":2,"IIS_Issue_Status":1,"IIS_Random_Number":"0427","Items":[{"ItemSeq":"1","ItemCount":"3","ItemPrice":10.5,"ItemAmount":"31.5"}]}`,
			call: func(t *testing.T, c *wrapper.Client) (int, string, error) {
				res, err := c.GetIssue(bg, wrapper.GetIssueRequest{RelateNumber: ptr("R1")})
				if err != nil {
					return 0, "", err
				}
				d := res.Data
				switch {
				case d.IISSalesAmount == nil || *d.IISSalesAmount != 50, d.IISTaxAmount == nil || *d.IISTaxAmount != 2:
					t.Errorf("amounts %v %v, want 50 and 2", d.IISSalesAmount, d.IISTaxAmount)
				case d.IISIssueStatus == nil || *d.IISIssueStatus != "1", d.IISRandomNumber == nil || *d.IISRandomNumber != "0427":
					t.Errorf("IIS_Issue_Status %v, IIS_Random_Number %v, want the texts 1 and 0427", d.IISIssueStatus, d.IISRandomNumber)
				case d.Items == nil || len(*d.Items) != 1:
					t.Errorf("Items %v, want one", d.Items)
				default:
					item := (*d.Items)[0]
					if *item.ItemSeq != 1 || *item.ItemCount != 3 || *item.ItemPrice != 10.5 || *item.ItemAmount != 31.5 {
						t.Errorf("item %+v, want 1, 3, 10.5, 31.5", item)
					}
				}
				return res.RtnCode, res.RtnMsg, nil
			},
			wantCode: 1,
			wantMsg:  "查詢成功",
		},
		"a refusal whose RtnMsg is a number": {
			data: `{"RtnCode":"5070305","RtnMsg":404}`,
			call: func(t *testing.T, c *wrapper.Client) (int, string, error) {
				_, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: "T1"})
				var ae *wrapper.APIError
				if !errors.As(err, &ae) {
					return 0, "", err
				}
				return ae.RtnCode, ae.RtnMsg, nil
			},
			wantCode: 5070305,
			wantMsg:  "404",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sim := newSim(t)
			inject(t, sim, ecpaysim.Fault{Data: tc.data})
			code, msg, err := tc.call(t, client(t, sim.URL))
			if err != nil {
				t.Fatalf("the answer %s: %v", tc.data, err)
			}
			if code != tc.wantCode || msg != tc.wantMsg {
				t.Errorf("RtnCode %d, RtnMsg %q; want %d %q", code, msg, tc.wantCode, tc.wantMsg)
			}
		})
	}
}
