package ecpaysim

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ecpay-go/einvoice/generated/registry"
)

// docSource returns the text of the files whose documentation holds the
// tables of codes: the TransCode constants', InvoiceStatus's and
// IssuedInvoice's.
func docSource(t *testing.T) string {
	t.Helper()
	var src []byte
	for _, name := range []string{"codes.go", "state.go", "issued.go"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		src = append(src, b...)
	}
	return string(src)
}

// The table of TransCodes (the constants' documentation) lists every
// TransCode constant with its value, origin and message.
func TestDocumentedTransCodesMatchTheConstants(t *testing.T) {
	row := regexp.MustCompile(`(?m)^//\t(TransCode\w+) +(\d+) +(ECPay|simulator) +(.+)$`)
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(docSource(t), -1) {
		documented[m[1]+" "+m[2]+" "+m[3]] = m[4]
	}
	codes := []struct {
		name   string
		value  int
		origin string
		msg    string
	}{
		{"TransCodeOK", TransCodeOK, "ECPay", `""`},
		{"TransCodeInvalidEnvelope", TransCodeInvalidEnvelope, "simulator", transMsgInvalidEnvelope},
		{"TransCodeUnknownMerchant", TransCodeUnknownMerchant, "simulator", transMsgUnknownMerchant},
		{"TransCodeTimestampOutOfRange", TransCodeTimestampOutOfRange, "simulator", fmt.Sprintf(transMsgTimestamp, int(TimestampWindow.Minutes()))},
		{"TransCodeUndecryptableData", TransCodeUndecryptableData, "simulator", transMsgUndecryptable},
		{"TransCodeInvalidData", TransCodeInvalidData, "simulator", transMsgInvalidData},
		{"TransCodeMerchantMismatch", TransCodeMerchantMismatch, "simulator", transMsgMerchantMismatch},
		{"TransCodeInternalError", TransCodeInternalError, "simulator", transMsgInternalError},
	}
	if len(documented) != len(codes) {
		t.Errorf("the table has %d rows, want %d", len(documented), len(codes))
	}
	for _, c := range codes {
		msg, ok := documented[fmt.Sprintf("%s %d %s", c.name, c.value, c.origin)]
		if !ok {
			t.Errorf("the table lacks %s = %d (%s)", c.name, c.value, c.origin)
			continue
		}
		if !strings.Contains(msg, strings.TrimSuffix(c.msg, ": ")) {
			t.Errorf("the table gives %s the message %s, want %q", c.name, msg, c.msg)
		}
	}
}

// The table of RtnCodes lists every code in the registry of every operation
// with a lifecycle (behaviours), with wrapper's name for it and ECPay's
// RtnMsg, and nothing else, so that a page dropped in needs no row; a row
// of "every" operation stands for a code every operation has, and is then
// checked against each. The lifecycle tables use only codes of their
// operations, or the simulator's own.
func TestDocumentedRtnCodesMatchTheRegistry(t *testing.T) {
	src := docSource(t)
	row := regexp.MustCompile(`(?m)^//\t(\w+) +wrapper\.(RtnCode\w+) +(\d+) +(page|stage|guide|assumed) +"([^"]*)": (.+)$`)
	type key struct {
		op   string
		code int
	}
	documented := map[key][]string{}
	for _, m := range row.FindAllStringSubmatch(src, -1) {
		code, _ := strconv.Atoi(m[3])
		k := key{m[1], code}
		if _, dup := documented[k]; dup {
			t.Errorf("the table lists %s %d twice", k.op, k.code)
		}
		documented[k] = m[2:]
	}
	matches := func(got []string, c registry.Code) bool {
		return got[0] == "RtnCode"+c.Name && got[3] == c.Message
	}
	every := 0
	for k, got := range documented {
		if k.op != "every" {
			continue
		}
		every++
		for _, op := range registry.All() {
			if c, ok := op.Code(k.code); !ok || !matches(got, c) {
				t.Errorf("the table gives every operation %d as wrapper.%s %q; %s has %+v", k.code, got[0], got[3], op.Name, c)
			}
		}
	}
	n := every
	for _, op := range registry.All() {
		if _, modelled := behaviours[op]; !modelled {
			continue
		}
		for _, c := range op.Codes {
			if _, ok := documented[key{"every", c.Code}]; ok {
				continue
			}
			n++
			got, ok := documented[key{op.Name, c.Code}]
			if !ok {
				t.Errorf("the table lacks %s's RtnCode %d (%s)", op.Name, c.Code, c.Name)
				continue
			}
			if !matches(got, c) {
				t.Errorf("the table gives %s's %d as wrapper.%s %q; the registry has RtnCode%s %q", op.Name, c.Code, got[0], got[3], c.Name, c.Message)
			}
		}
	}
	if len(documented) != n {
		t.Errorf("the table has %d rows; the registry has %d codes", len(documented), n)
	}

	var modelled []string
	for op := range behaviours {
		modelled = append(modelled, regexp.QuoteMeta(op.Name))
	}
	lifecycle := regexp.MustCompile(`(?m)^//\t(` + strings.Join(modelled, "|") + `) {2,}(\S.*?) {2,}(\d+)\b`)
	rows := 0
	for _, m := range lifecycle.FindAllStringSubmatch(src, -1) {
		if strings.HasPrefix(m[2], "wrapper.") {
			continue // a row of the table of codes
		}
		rows++
		code, _ := strconv.Atoi(m[3])
		if _, own := ownRtnMsgs[code]; own || code == RtnCodeRuleBroken {
			continue
		}
		if _, ok := registry.Lookup(m[1]).Code(code); !ok {
			t.Errorf("the lifecycle table answers %s with %d, which the registry does not know", m[1], code)
		}
	}
	if rows != 12+34 {
		t.Errorf("the lifecycle tables have %d rows, want %d", rows, 12+34)
	}
}

// The table of the simulator's own RtnCodes lists every one of them with
// its value and RtnMsg.
func TestDocumentedOwnRtnCodesMatchTheConstants(t *testing.T) {
	row := regexp.MustCompile(`(?m)^//\t(RtnCode\w+) +(\d+) +"(.*)"$`)
	documented := map[int]string{}
	for _, m := range row.FindAllStringSubmatch(docSource(t), -1) {
		code, _ := strconv.Atoi(m[2])
		documented[code] = m[3]
	}
	if len(documented) != len(ownRtnMsgs) {
		t.Errorf("the table has %d rows; the simulator has %d codes of its own", len(documented), len(ownRtnMsgs))
	}
	for code, msg := range ownRtnMsgs {
		if documented[code] != msg {
			t.Errorf("the table gives %d the RtnMsg %q, want %q", code, documented[code], msg)
		}
		if _, known := registry.Issue.Code(code); known {
			t.Errorf("the simulator's own code %d is one of ECPay's in the registry", code)
		}
	}
}
