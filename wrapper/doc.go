// Package wrapper is the Go client for ECPay's B2C e-invoice API
// CancelDelayIssue: it cancels an invoice whose scheduled ("delayed") issuing
// has not happened yet. It is the package most programs import.
//
// # The typed client
//
//	c, err := wrapper.NewClient("2000132", hashKey, hashIV) // stage; add wrapper.WithBaseURL(wrapper.ProductionURL)
//	if err != nil { … }
//	res, err := c.CancelDelayIssue(ctx, wrapper.CancelDelayIssueRequest{Tsr: "201909170001"})
//
// The client builds ECPay's envelope, timestamps it (plain Unix seconds),
// encrypts Data with the merchant's HashKey and HashIV (package ecpaycrypto),
// checks the request against ECPay's spec before sending it, and decrypts
// the answer. Options set the base URL, HTTP client, PlatformID, Revision,
// clock, timeout (30 s by default), a slog logger and retries.
// Client.Validate runs the pre-send check alone, for batches that want to
// skip invalid requests early.
//
// # Errors
//
// Every failure matches one of these with errors.As:
//
//	*ValidationError  the request breaks the spec; nothing was sent
//	*HTTPError        a non-2xx status (403: ECPay's rate limit — wait)
//	*TransError       TransCode ≠ 1: ECPay rejected the envelope
//	*APIError         RtnCode ≠ 1: ECPay refused the cancel
//	*DecodeError      the answer could not be read or decrypted
//	*TransportError   no exchange: connection, timeout, cancellation;
//	                  errors.Is(err, context.DeadlineExceeded) still works
//
// ECPay has no idempotency key for this call and refuses a second cancel of
// the same Tsr, so retries (WithRetry) are off by default and, when on, only
// repeat what provably never reached ECPay (ShouldRetry).
//
// # The generated client
//
// Programs that prefer the client generated from the spec (package
// generated) keep it and plug the codec in: EncryptRequest is a request
// editor that encrypts a plaintext Data, and DecryptResponses wraps the HTTP
// client into the response hook the generator lacks. See the examples.
package wrapper
