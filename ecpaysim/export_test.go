package ecpaysim

import "github.com/ecpay-go/einvoice/ecpaysim/internal/serving"

// DefaultRtnMsg is the RtnMsg of a default answer whose success code the
// overlays give no message, for the tests of package ecpaysim_test.
const DefaultRtnMsg = defaultRtnMsg

// MockValue is serving.MockValue, for the tests of package ecpaysim_test to build a
// valid request member the way the simulator builds a default answer.
var MockValue = serving.MockValue
