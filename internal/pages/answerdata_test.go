package pages_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/internal/frozen"
	"github.com/ecpay-go/einvoice/internal/pages"
)

// Actions on the frozen TriggerIssue page's overlay, as GetIssueList's says
// that its answer's Data may be plain.
const (
	triggerPost  = "$.paths['/B2CInvoice/TriggerIssue'].post"
	answerData   = triggerPost + ".responses['200'].content['application/json'].schema.properties.Data"
	sayPlain     = "  - target: " + triggerPost + "\n    description: plain\n    update:\n      x-ecpay-answer-data: plain\n"
	dropDataType = "  - target: " + answerData + ".type\n    description: not only a string\n    remove: true\n"
	eitherData   = "  - target: " + answerData + "\n    description: either\n    update:\n      oneOf:\n" +
		"        - type: string\n        - type: object\n"
)

func TestLoadReadsWhetherTheAnswerDataMayBePlain(t *testing.T) {
	tests := map[string]struct {
		actions string
		plain   bool
		want    []string // substrings of the error; none when Load succeeds
	}{
		"encrypted, as every page says":           {},
		"plain, and the envelope takes an object": {actions: sayPlain + dropDataType + eitherData, plain: true},
		"plain, but Data is still only a string": {
			actions: sayPlain,
			want:    []string{"TriggerIssue.yaml: the operation says x-ecpay-answer-data: plain, but its answer envelope's Data does not accept both a string and a JSON object"},
		},
		"plain, but Data keeps its type string beside the oneOf": {
			actions: sayPlain + eitherData,
			want:    []string{"does not accept both a string and a JSON object"},
		},
		"an object Data without saying plain": {
			actions: dropDataType + eitherData,
			want:    []string{"TriggerIssue.yaml: the answer envelope's Data accepts a JSON object, but the operation does not say x-ecpay-answer-data: plain"},
		},
		"a value other than plain": {
			actions: strings.Replace(sayPlain, "plain\n", "unencrypted\n", 2) + dropDataType + eitherData,
			want:    []string{`x-ecpay-answer-data must be "plain"`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := frozen.Pages(t)
			frozen.Append(t, filepath.Join(dir, "TriggerIssue.overlay.yaml"), tc.actions)
			p, err := pages.Load(context.Background(), filepath.Join(dir, "TriggerIssue.yaml"))
			if len(tc.want) > 0 {
				if err == nil {
					t.Fatal("Load succeeded")
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error does not say %q:\n%v", w, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.PlainAnswerData != tc.plain {
				t.Errorf("PlainAnswerData = %v, want %v", p.PlainAnswerData, tc.plain)
			}
		})
	}
}

// A page whose answer Data may be plain shares the envelope of the others
// but for its Data, and the shared envelope comes from a page whose Data is
// the encrypted string even when the plain one sorts first; pages that all
// answer plain have no envelope to share.
func TestLoadAllSharesTheEnvelopeOfAnEncryptedPage(t *testing.T) {
	dir := frozen.Pages(t)
	for _, page := range []string{"CancelDelayIssue", "TriggerIssue"} {
		post := strings.ReplaceAll(sayPlain+dropDataType+eitherData, "TriggerIssue", page)
		frozen.Append(t, filepath.Join(dir, page+".overlay.yaml"), post)
		all, err := pages.LoadAll(context.Background(), dir)
		if page == "TriggerIssue" {
			if err == nil {
				t.Fatal("LoadAll succeeded with every page's answer Data plain")
			}
			if !strings.Contains(err.Error(), "every page says x-ecpay-answer-data: plain") {
				t.Errorf("error does not say that every page answers plain Data:\n%v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("with CancelDelayIssue's answer Data plain: %v", err)
		}
		if !all[0].PlainAnswerData || all[1].PlainAnswerData {
			t.Fatalf("PlainAnswerData of %s, %s = %v, %v; want true, false", all[0].Name, all[1].Name, all[0].PlainAnswerData, all[1].PlainAnswerData)
		}
		first, err := pages.EnvelopePage(all)
		if err != nil || first.Name != "TriggerIssue" {
			t.Errorf("EnvelopePage = %v, %v; want TriggerIssue, whose Data is the encrypted string", first, err)
		}
	}
}
