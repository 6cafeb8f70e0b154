package protocol_test

import (
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/internal/protocol"
)

// TestInWindow: a Timestamp up to TimestampWindow away, either way, is in;
// a second more is out; Skew names only a clock beyond the window.
func TestInWindow(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	w := protocol.TimestampWindow
	tests := map[string]struct {
		at   time.Time
		want bool
	}{
		"now":                     {now, true},
		"the window before":       {now.Add(-w), true},
		"the window after":        {now.Add(w), true},
		"a second beyond, before": {now.Add(-w - time.Second), false},
		"a second beyond, after":  {now.Add(w + time.Second), false},
		"a day off":               {now.Add(24 * time.Hour), false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := protocol.InWindow(float64(tt.at.Unix()), now); got != tt.want {
				t.Errorf("InWindow(%v) = %v, want %v", tt.at.Sub(now), got, tt.want)
			}
			if skew := protocol.Skew(now, tt.at); (skew == 0) != tt.want {
				t.Errorf("Skew(%v) = %v", tt.at.Sub(now), skew)
			}
		})
	}
}
