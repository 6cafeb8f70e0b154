package protocol

import (
	"time"

	"github.com/ecpay-go/einvoice/generated/registry"
)

// TimestampWindow is how far an envelope's RqHeader.Timestamp may be from
// ECPay's clock, in either direction, as every page says
// (x-ecpay-window-seconds, which the registry is generated from).
const TimestampWindow = registry.TimestampWindow

// InWindow reports whether a Timestamp of ts (Unix seconds) is within
// TimestampWindow of now, in either direction: the simulator's check and
// the proxy's.
func InWindow(ts float64, now time.Time) bool {
	n, w := float64(now.Unix()), TimestampWindow.Seconds()
	return ts >= n-w && ts <= n+w
}

// Skew returns how far local is from server when that is beyond
// TimestampWindow, else 0: a clock ECPay would refuse.
func Skew(server, local time.Time) time.Duration {
	d := local.Sub(server)
	if d > TimestampWindow || d < -TimestampWindow {
		return d
	}
	return 0
}
