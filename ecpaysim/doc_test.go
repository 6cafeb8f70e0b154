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
// tables of codes: the TransCode constants' and InvoiceStatus's.
func docSource(t *testing.T) string {
	t.Helper()
	var src []byte
	for _, name := range []string{"codes.go", "state.go"} {
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
// RtnMsg, and nothing else, so that a page dropped in needs no row; the
// lifecycle table uses only codes of its operations.
func TestDocumentedRtnCodesMatchTheRegistry(t *testing.T) {
	src := docSource(t)
	row := regexp.MustCompile(`(?m)^//\t(\w+) +wrapper\.(RtnCode\w+) +(\d+) +(page|stage) +"([^"]*)": (.+)$`)
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
	n := 0
	for _, op := range registry.All() {
		if _, modelled := behaviours[op]; !modelled {
			continue
		}
		for _, c := range op.Codes {
			n++
			got, ok := documented[key{op.Name, c.Code}]
			if !ok {
				t.Errorf("the table lacks %s's RtnCode %d (%s)", op.Name, c.Code, c.Name)
				continue
			}
			if name, msg := got[0], got[3]; name != "RtnCode"+c.Name || msg != c.Message {
				t.Errorf("the table gives %s's %d as wrapper.%s %q; the registry has RtnCode%s %q", op.Name, c.Code, name, msg, c.Name, c.Message)
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
		// RtnCodeRuleBroken is the simulator's own, where the table says so.
		if _, ok := registry.Lookup(m[1]).Code(code); !ok && code != RtnCodeRuleBroken {
			t.Errorf("the lifecycle table answers %s with %d, which the registry does not know", m[1], code)
		}
	}
	if rows != 12 {
		t.Errorf("the lifecycle table has %d rows, want 12", rows)
	}
}
