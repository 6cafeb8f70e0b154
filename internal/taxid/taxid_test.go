package taxid_test

import (
	"testing"

	"github.com/ecpay-go/einvoice/internal/taxid"
)

func TestValid(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		// The digit sums are of the weighted products (28 counts 10).
		{"97025978", true},   // 50, ECPay's page's example (seventh digit 7)
		{"22099131", true},   // 30: divisible by 10, valid under both rules
		{"04595252", true},   // 35: divisible by 5 only, valid since 2023
		{"04595253", false},  // 36
		{"10458575", true},   // 30, seventh digit 7
		{"10458574", true},   // 29, seventh digit 7: 29 + 1 is divisible by 5
		{"10458571", false},  // 26, seventh digit 7: neither 26 nor 27
		{"10458568", false},  // 29, seventh digit 6: the + 1 is only for a 7
		{"00000000", true},   // 0
		{"1234567", false},   // 7 digits
		{"123456789", false}, // 9 digits
		{"1234567a", false},
		{"", false},
		{"１２３４５６７８", false}, // full-width digits are not ASCII
	}
	for _, tt := range tests {
		if got := taxid.Valid(tt.id); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}
