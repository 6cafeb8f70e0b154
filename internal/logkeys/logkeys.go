// Package logkeys names the attributes of the structured log records the
// client and the simulator write, so that one query reads both sides.
// Neither ever logs a HashKey, a HashIV or Data.
package logkeys

// The attribute keys.
const (
	Operation  = "operation"   // the ECPay operation, e.g. CancelDelayIssue
	Method     = "method"      // the HTTP method
	Path       = "path"        // the request path
	HTTPStatus = "http_status" // the HTTP status of the answer
	TransCode  = "trans_code"  // the envelope's TransCode
	RtnCode    = "rtn_code"    // the RtnCode inside the decrypted Data
	MerchantID = "merchant_id" // the envelope's MerchantID
	Tsr        = "tsr"         // the request's Tsr (the simulator only)
	Attempts   = "attempts"    // how many times the client sent the request
	Duration   = "duration"    // how long the call or exchange took
	Error      = "error"       // the client: the kind of error, never its message; the simulator: its own failure (a violation, a recording that cannot be written)
	Fault      = "fault"       // the simulator answered with an injected fault
	Abandoned  = "abandoned"   // the caller went away before the answer
	Upstream   = "upstream"    // the proxy's upstream failure, if any
	Violations = "violations"  // how many violations the exchange had
)
