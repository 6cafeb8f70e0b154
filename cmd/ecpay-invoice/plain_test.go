package main

import (
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/wrapper"
)

// ECPay answers GetIssueList's Data as a plain JSON object (its overlay's
// x-ecpay-answer-data: plain): validate checks such an answer's Data as it
// is, with a note, and reports an object Data of any other operation.
func TestValidateAPlainAnswerData(t *testing.T) {
	sim := newSim(t)
	if _, err := sim.Client.GetIssueList(t.Context(), wrapper.GetIssueListRequest{BeginDate: "2026-06-17", EndDate: "2026-06-17", NumPerPage: 1, ShowingPage: 1}); err != nil {
		t.Fatal(err)
	}
	answer := string(sim.Requests()[0].Answer.Body)
	const plainNote = "note: the answer's Data is a plain JSON object, checked as it is: ECPay answers GetIssueList so"
	tests := []struct {
		name     string
		args     []string
		file     string
		wantCode int
		want     []string // lines of stdout, in order, by their beginnings
	}{
		{
			name:     "the simulator's GetIssueList answer",
			args:     []string{"--operation", "GetIssueList"},
			file:     answer,
			wantCode: exitOK,
			want:     []string{plainNote, "response: ok: the envelope and its decrypted Data match the spec of GetIssueList"},
		},
		{
			name:     "told by its members",
			file:     answer,
			wantCode: exitOK,
			want:     []string{plainNote, "response: ok: the envelope and its decrypted Data match the spec of GetIssueList"},
		},
		{
			name:     "a TotalCount that is no integer",
			args:     []string{"--operation", "GetIssueList"},
			file:     strings.Replace(answer, `"TotalCount":0`, `"TotalCount":"many"`, 1),
			wantCode: exitRefused,
			want:     []string{"Data#/TotalCount: ", plainNote},
		},
		{
			name:     "an object Data for CancelDelayIssue",
			args:     []string{"--operation", "CancelDelayIssue"},
			file:     `{"MerchantID":"2000132","RpHeader":{"Timestamp":1525169058},"TransCode":1,"TransMsg":"","Data":{"RtnCode":1,"RtnMsg":"取消開立發票成功"}}`,
			wantCode: exitRefused,
			want:     []string{"envelope#/Data: "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "envelope.json", tt.file)
			out := runBinary(t, invocation{args: append(append([]string{"validate"}, tt.args...), "--response", path)})
			if out.code != tt.wantCode {
				t.Errorf("exit status %d, want %d; stdout %s stderr %s", out.code, tt.wantCode, out.stdout, out.stderr)
			}
			i := 0
			for line := range strings.SplitSeq(out.stdout, "\n") {
				if i < len(tt.want) && strings.HasPrefix(line, tt.want[i]) {
					i++
				}
			}
			if i < len(tt.want) {
				t.Errorf("stdout lacks %q (in order):\n%s", tt.want[i], out.stdout)
			}
		})
	}
}
