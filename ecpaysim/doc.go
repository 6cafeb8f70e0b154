// Package ecpaysim is a local ECPay e-invoice server for tests: it serves
// every operation of the pages in openapi/ (the registry of package
// generated/registry) at POST /B2CInvoice/<Operation>, as ECPay answers
// them, with the real wire format (the JSON envelope and its AES-encrypted
// Data), and checks every request and every answer against the page of its
// operation, the same spec the client is generated from. Use it as
// stripe-mock is used for stripe-go.
//
// In a test, start one with ecpaysimtest.NewServer (package
// ecpaysim/ecpaysimtest, apart so that programs serving the simulator do
// not link package testing), register the delayed invoices the test needs,
// call it with the client it comes with, and inspect what the server saw:
//
//	func TestTrigger(t *testing.T) {
//		sim := ecpaysimtest.NewServer(t) // stage merchant 2000132, closed by t.Cleanup
//		if err := sim.AddDelayedInvoice(ecpaysim.StageMerchantID, "TSR0001"); err != nil {
//			t.Fatal(err)
//		}
//		res, err := sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "TSR0001", PayType: "2"})
//		if err != nil || res.RtnCode != wrapper.RtnCodeIssued {
//			t.Fatalf("TriggerIssue: %v, %v", res, err)
//		}
//	}
//
// Outside tests, New returns the Server, an http.Handler; its Handler serves
// it with the admin API (see AdminHandler). The command cmd/ecpay-sim
// serves both over TCP for other languages and manual testing. InjectNext
// makes the next answers fail in a chosen way (a TransCode or RtnCode error,
// an HTTP status, latency, a malformed body); Requests returns each request
// with its operation, decrypted Data and the answer it got.
//
// # Proxy and replay: checking ECPay itself
//
// A simulator built from the same pages as the client cannot tell where
// ECPay, or a merchant's own code, departs from them. NewProxy returns a
// validating proxy for that: put in front of ECPay's stage (or production,
// or anything that stands in for it), it forwards every request unchanged
// and passes every answer back unchanged, and in between decrypts both
// sides' Data with the merchant's keys and checks them as the simulator
// checks its own traffic: the path, method and Content-Type, the envelope
// against the page, the Timestamp window, the decrypted Data against the
// page's request and response Data schemas and the request's against the
// page's business rules, the same MerchantID inside and out. It observes and never gates: a request that breaks the pages is
// forwarded all the same, nothing is retried, redirects are passed back,
// and a caller that gives up does not cut off an exchange that may have
// reached ECPay. What ECPay does wrong that is not the pages' business (a
// refused connection, a timeout, an HTML 502, its 403 when called too
// fast, an answer larger than the client reads) is an upstream failure,
// counted apart from the violations. Summary and GET /_sim/state count both,
// by side and rule. Two things it does refuse: a path that climbs out of the
// upstream's path prefix ("..", escaped or not) gets 400, and a request
// beyond the bytes in flight (WithMaxInFlightBytes) gets 503 with
// Retry-After, so that its memory is bounded however many callers.
//
// WithRecording makes the proxy append every exchange to a file (see
// OpenRecording), one JSON line each: an Exchange, with the request and
// the answer, both sides' decrypted Data (never a key or a header), the
// duration, the upstream failure if any, and every violation with its side
// (request or response), where (http, envelope or data), JSON pointer, rule
// and reason (never the query string, which may hold anything).
// RepairRecording cuts off a last line that a crash left without its
// newline, before appending again. ReadRecording reads such a file back,
// naming a bad line (a torn one as torn);
// CheckExchange re-checks a line against the pages as the running binary
// embeds them, for a recording made before the pages changed (the proxy's
// live checks are that same function, after decryption). NewReplay serves
// a recording without a network, for the CI jobs that should not depend on
// ECPay: a request is matched on its operation, merchant and decrypted Data
// (not its Timestamp), and the recorded answer is re-sealed with a fresh
// RpHeader.Timestamp and its Data encrypted anew, so that the client's
// checks pass; a request not recorded gets 404 naming the closest recorded
// one (among a bounded set of candidates: a miss costs the same however
// long the recording). The command cmd/ecpay-sim runs both (--upstream, --record,
// --replay).
//
// # The delayed-invoice lifecycle
//
// DelayIssue stores an invoice at ECPay without issuing it; the simulator
// does not serve DelayIssue (no page of it is in openapi/), so a test
// registers what DelayIssue would have stored: AddDelayedInvoice (waiting
// for a trigger, DelayDay 0), AddInvoice with a DelayedInvoice, POST
// /_sim/delayed or ecpay-sim's --delayed. DelayFlag "2" (DelayTrigger, the
// default) waits for TriggerIssue; "1" (DelayScheduled) issues by itself
// after DelayDay days, which the simulator does not model: a scheduled
// invoice stays pending. Each request that passes every envelope check
// counts in its invoice's CancelRequests or TriggerRequests, whatever the
// answer, including an injected RtnCode fault (which changes nothing else).
// The answers, each with ECPay's RtnMsg for its code (see Codes):
//
//	request           invoice                                    RtnCode  then
//	TriggerIssue      pending, DelayFlag "2", DelayDay 0         4000004  issued
//	TriggerIssue      pending, DelayFlag "2", DelayDay > 0       4000003  triggered (ECPay issues it later)
//	TriggerIssue      unknown Tsr (or another merchant's)        4000001
//	TriggerIssue      triggered, issued or cancelled             5070305
//	TriggerIssue      pending, DelayFlag "1" (scheduled)         5070305  (the simulator's choice)
//	CancelDelayIssue  pending, DelayFlag "1" or "2"              1        cancelled
//	CancelDelayIssue  unknown, cancelled, triggered or issued    5070305
//
// ECPay's answer to a TriggerIssue of a scheduled invoice is not known (no
// source seen shows one); the simulator refuses it as no longer waiting for
// a trigger, with 5070305. Every other row is ECPay's, from the sources
// named under Codes.
//
// # Operations without behaviour: the default answer
//
// An operation the simulator has no behaviour for (a page dropped into
// openapi/ and generated) is served at once with the same checks and the
// default answer, as Stoplight Prism mocks from a spec: TransCode 1 and a
// Data holding the operation's first success code (RtnCode 1 unless its
// overlay says otherwise) with its RtnMsg, and a value for every other
// property of its responses.Data schema: the schema's example, default or
// first enum value when it satisfies the schema, else by type a string of
// minLength "x"s, the number closest to 0 the bounds allow, false, an array
// of minItems such values, an object of every declared property. Nothing
// changes state. A schema that cannot be satisfied this way (a pattern, a
// format) makes the answer fail the contract check: it is reported as a
// violation and answered with TransCodeInternalError, never sent.
//
// # Contract validation
//
// Each operation is served by its page's generated strict server
// (operations.gen.go, generated with the pages), inside a validating
// middleware. The pages are the overlaid ones embedded in the generated
// packages (registry.Operation.Spec), checked by internal/contract, which
// validates with kin-openapi's native validator (see that package for why):
//
//   - the request envelope, with openapi3filter.ValidateRequest against the
//     page of the operation its path names;
//   - the Timestamp window (TimestampWindow, the pages' ten minutes), the
//     merchant, the Data's decryption under the merchant's keys, and the
//     same MerchantID inside and out: what a spec cannot say;
//   - the decrypted request Data, against the page's requestBody.Data;
//   - then the page's business rules: the rules across fields its prose
//     states (SalesAmount is the sum of the items, a donated invoice needs a
//     LoveCode, …), written as CEL in the page's overlay (x-ecpay-validations
//     on requestBody.Data in openapi/<Operation>.overlay.yaml) and compiled
//     once per operation from the embedded page (registry.Operation.Rules),
//     the same rules the client checks before sending. A request breaking
//     one is refused as ECPay refuses it, inside a TransCode 1 answer: the
//     RtnCode the rule names (its overlay's code, ECPay's, such as Issue's
//     5000022 for SalesAmount), else the simulator's own RtnCodeRuleBroken
//     (9901), and as RtnMsg the rule's message and fields. The first rule
//     broken, in the overlay's order, answers; the merchant and MerchantID
//     checks come first. The proxy records each rule broken as a request
//     violation (rule x-ecpay-validations, at the rule's first field);
//   - the plaintext of the Data it is about to send, against responses.Data;
//   - the whole answer, with openapi3filter.ValidateResponse (undeclared
//     statuses included).
//
// A request that breaks the spec gets an ECPay-style TransCode error. An
// answer that would break it is a bug in the simulator: it is recorded (see
// Violations), reported to WithViolationFunc (ecpaysimtest fails the test
// with it), and replaced by a TransCodeInternalError answer, so no
// spec-violating answer is ever sent. Three kinds of answer are outside the
// spec on purpose and are not validated: the HTTP 4xx given to bodies that
// are not JSON (400), not application/json (415) or larger than
// MaxBodyBytes (413); injected HTTP statuses; injected malformed bodies.
// Limits the answers must respect (TransMsg, RtnMsg, MerchantID) are read
// from the pages, not written in Go.
//
// # Bounded records
//
// The Server's memory is bounded whatever the requests. Each record keeps at
// most MaxRecordedBody of each body (the request, its decrypted Data, the
// answer; the request envelope's strings that much in all) and drops the
// decoded form of a cut plaintext, marking the record Truncated. The records
// hold at most WithRequestBytes in all (DefaultRequestBytes, 64 MiB, by
// default; RequestBytes says how much they hold, counting the capacity of
// what they keep), and at most WithRequestLimit records; beyond either, the
// oldest are dropped and Requests returns the latest. A body over
// MaxBodyBytes is refused unread.
//
// # Codes
//
// TransCode 1 means ECPay accepted the envelope; the outcome of the
// operation is the RtnCode inside Data. The other TransCodes are the
// simulator's own: ECPay's pages publish no list of TransCodes for the
// envelope checks, so match these in tests of the simulator, not as ECPay's
// values. A message shown ending in "…" carries a short detail there.
//
//	constant                      value  origin     TransMsg
//	TransCodeOK                   1      ECPay      "" (empty, as in the CancelDelayIssue page's example)
//	TransCodeInvalidEnvelope      9001   simulator  "request envelope does not match the spec: …"
//	TransCodeUnknownMerchant      9002   simulator  "MerchantID is not a merchant of this simulator"
//	TransCodeTimestampOutOfRange  9003   simulator  "RqHeader.Timestamp is more than 10 minutes from the server clock"
//	TransCodeUndecryptableData    9004   simulator  "Data does not decrypt with this merchant's HashKey and HashIV: …"
//	TransCodeInvalidData          9005   simulator  "decrypted Data does not match the page's request Data schema: …"
//	TransCodeMerchantMismatch     9006   simulator  "MerchantID in Data differs from the envelope's MerchantID"
//	TransCodeInternalError        9999   simulator  "simulator internal error"
//
// Every RtnCode the simulator answers by itself is ECPay's, with ECPay's
// RtnMsg, as the overlays record them (x-ecpay-rtn-codes: in
// openapi/overlay.yaml the codes every operation can answer, in
// openapi/<Operation>.overlay.yaml its own), read through
// registry.Operation.Code; package wrapper names each RtnCode<Name>. An
// operation without a lifecycle answers its first success code (the default
// answer above), and any other of its codes only when injected; the registry
// lists them. The codes of the operations with a lifecycle, and where each
// comes from:
// "page" is ECPay's CancelDelayIssue page (openapi/CancelDelayIssue.yaml:
// RtnCode 1 means success, with its example's message); "stage" is an
// independent open-source client's tests against ECPay's stage, ECPay's own
// code table not being available (the overlays say so; the facts are in the
// project's notes on ECPay's operations). TriggerIssue's page itself is
// written from ECPay's PHP SDK example (see openapi/TriggerIssue.yaml).
//
//	operation         constant                        value    source  RtnMsg: when the simulator answers it
//	CancelDelayIssue  wrapper.RtnCodeOK               1        page    "取消開立發票成功": a pending invoice, now cancelled
//	CancelDelayIssue  wrapper.RtnCodeNoUpdatableTsr   5070305  stage   "B2C取消延遲(或觸發)發票 查無可更新交易單號": unknown, cancelled, triggered or issued
//	CancelDelayIssue  wrapper.RtnCodeTaxSystemFailed  9000001  stage   "呼叫財政部API失敗": only when injected
//	CancelDelayIssue  wrapper.RtnCodeSystemError      9999999  stage   "系統異常,請稍後再試": only when injected
//	TriggerIssue      wrapper.RtnCodeIssued           4000004  stage   "開立發票成功": a waiting invoice with DelayDay 0, now issued
//	TriggerIssue      wrapper.RtnCodeTriggered        4000003  stage   "延後開立成功": a waiting invoice with DelayDay > 0, now triggered
//	TriggerIssue      wrapper.RtnCodeUnknownTsr       4000001  stage   "不存在此交易單號": an unknown Tsr
//	TriggerIssue      wrapper.RtnCodeNoUpdatableTsr   5070305  stage   "B2C取消延遲(或觸發)發票 查無可更新交易單號": triggered, issued, cancelled or scheduled
//	TriggerIssue      wrapper.RtnCodeTaxSystemFailed  9000001  stage   "呼叫財政部API失敗": only when injected
//	TriggerIssue      wrapper.RtnCodeSystemError      9999999  stage   "系統異常,請稍後再試": only when injected
//
// One RtnCode is the simulator's own, not ECPay's:
//
//	constant           value  RtnMsg: when the simulator answers it
//	RtnCodeRuleBroken  9901   the rule's message and fields: a request breaking a business rule whose overlay names no RtnCode of ECPay's
//
// A rule that names ECPay's code (in its overlay, see package
// internal/rules) is answered with that code, and the rule's message as
// RtnMsg.
//
// The simulator's own RtnMsgs are three: the rule's message for a broken
// rule, "injected fault", for an injected RtnCode without an RtnMsg, and
// "成功 (the simulator's default answer)", for a default answer whose success
// code the overlays give no message.
// TransCode errors carry "Data": "" and never null; every TransCode 1 answer
// carries encrypted Data and an RpHeader holding only Timestamp (Unix
// seconds).
package ecpaysim
