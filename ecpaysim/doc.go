// Package ecpaysim is a local ECPay e-invoice server for tests: it answers
// POST /B2CInvoice/CancelDelayIssue as ECPay documents, with the real wire
// format (the JSON envelope and its AES-encrypted Data), and checks every
// request and every answer against the same OpenAPI spec the client is
// generated from. Use it as stripe-mock is used for stripe-go.
//
// In a test, start one with NewServer, register the delayed invoices the test
// needs, point the client at URL, and inspect what the server saw:
//
//	func TestCancel(t *testing.T) {
//		sim := ecpaysim.NewServer(t) // stage merchant 2000132, closed by t.Cleanup
//		if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, "TSR0001"); err != nil {
//			t.Fatal(err)
//		}
//		// ... cancel TSR0001 through a client whose base URL is sim.URL ...
//		if !sim.Cancelled(ecpaysim.StageMerchantID, "TSR0001") {
//			t.Error("TSR0001 was not cancelled")
//		}
//	}
//
// InjectNext makes the next answers fail in a chosen way (a TransCode or
// RtnCode error, an HTTP status, latency, a malformed body); Requests returns
// every request with its decrypted Data and the answer it got. The command
// cmd/ecpay-sim serves the same simulator over TCP for other languages and
// manual testing, with an admin API under /_sim/ (see AdminHandler).
//
// # Contract validation
//
// The Server is the generated strict server (generated.NewStrictHandler and
// HandlerWithOptions over its implementation of
// generated.StrictServerInterface) inside a validating middleware. The spec
// is the overlaid one embedded in package generated (generated.GetSpec),
// loaded once per process by the project's contract checker, which validates
// with kin-openapi's native validator (its JSON Schema 2020-12 engine compiles
// anew on every call; a test requires both to give the same verdicts):
//
//   - the request envelope, with openapi3filter.ValidateRequest;
//   - the decrypted request Data, against the component schema
//     requestBody.Data;
//   - the plaintext of the Data it is about to send, against responses.Data;
//   - the whole answer, with openapi3filter.ValidateResponse (undeclared
//     statuses included).
//
// A request that breaks the spec gets an ECPay-style TransCode error. An
// answer that would break it is a bug in the simulator: it is recorded (see
// Violations), reported with t.Errorf when the Server has a testing.TB, and
// replaced by a TransCodeInternalError answer, so no spec-violating answer is
// ever sent. Three kinds of answer are outside the spec on purpose and are
// not validated: the HTTP 4xx given to bodies that are not JSON (400), not
// application/json (415) or larger than MaxBodyBytes (413); injected HTTP
// statuses; injected malformed bodies.
//
// # Codes
//
// TransCode 1 means ECPay accepted the envelope, RtnCode 1 that the cancel
// succeeded; the page for this endpoint documents only those two and the
// success message. Every other code below is the simulator's own choice:
// ECPay publishes no error list for CancelDelayIssue on that page, so match
// them in tests of the simulator, not as ECPay's real values. Messages that
// end in ": …" carry a short detail.
//
//	constant                      value  origin     message
//	TransCodeOK                   1      ECPay      "" (empty, as in the page's example)
//	TransCodeInvalidEnvelope      9001   simulator  "request envelope does not match the spec: …"
//	TransCodeUnknownMerchant      9002   simulator  "MerchantID is not a merchant of this simulator"
//	TransCodeTimestampOutOfRange  9003   simulator  "RqHeader.Timestamp is more than 10 minutes from the server clock"
//	TransCodeUndecryptableData    9004   simulator  "Data does not decrypt with this merchant's HashKey and HashIV: …"
//	TransCodeInvalidData          9005   simulator  "decrypted Data does not match requestBody.Data: …"
//	TransCodeMerchantMismatch     9006   simulator  "MerchantID in Data differs from the envelope's MerchantID"
//	TransCodeInternalError        9999   simulator  "simulator internal error"
//	RtnCodeOK                     1      ECPay      RtnMsgOK, "取消開立發票成功"
//	RtnCodeUnknownTsr             9101   simulator  RtnMsgUnknownTsr, "查無此延遲開立發票 (no delayed invoice with this Tsr for this merchant)"
//	RtnCodeAlreadyCancelled       9102   simulator  RtnMsgAlreadyCancelled, "此發票已取消延遲開立 (the delayed invoice with this Tsr is already cancelled)"
//
// An injected fault answers with whatever code and message it names.
// TransCode errors carry "Data": "" and never null; every TransCode 1 answer
// carries encrypted Data and an RpHeader holding only Timestamp (Unix
// seconds).
package ecpaysim
