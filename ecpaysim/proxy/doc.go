// Package proxy checks ECPay itself. A simulator built from the same pages
// as the client cannot tell where ECPay, or a merchant's own code, departs
// from them; a Proxy (New) can: put in front of ECPay's stage (or
// production, or anything that stands in for it), it forwards every request
// unchanged and passes every answer back unchanged, and in between decrypts
// both sides' Data with the merchant's keys and checks them as the
// simulator (package ecpaysim) checks its own traffic. It observes and
// never gates: nothing is retried, redirects are passed back, and ECPay's
// own failures (no answer, an HTML 502, its 403 when called too fast) are
// counted as upstream failures, apart from the violations.
//
// WithRecording appends every exchange to a file of OpenRecording, one JSON
// line each (an Exchange: both sides with their decrypted Data, never a key
// or a header). ReadRecording reads it back, CheckExchange re-checks a line
// against the pages this binary embeds, and a Replay (NewReplay) serves it
// without a network, for the CI jobs that should not depend on ECPay. The
// command cmd/ecpay-sim runs all three (--upstream, --record, --replay);
// `ecpay-invoice validate --record` re-checks a recording.
//
//	p, err := proxy.New("https://einvoice-stage.ecpay.com.tw", proxy.WithRecording(f))
//	if err != nil {
//		return err
//	}
//	// Send the merchant's traffic to an httptest or http.Server of p, then:
//	s := p.Summary()
//	fmt.Println(s.Exchanges, "exchanges,", s.Violations, "violations")
//
//	rp, err := proxy.NewReplay(recording) // later, without a network
//
// Where the facts are: what a Proxy checks, forwards and refuses, on Proxy;
// how a Replay matches a request and re-seals its answer, on Replay; the
// recording's format, on Exchange and Message; the checks that need no
// keys, on CheckExchange; the bound on memory, on WithMaxInFlightBytes.
// Options: New takes every Option, NewReplay every ReplayOption; a
// SharedOption (WithMerchant, WithClock, WithLogger, WithMaxInFlightBytes)
// is both.
package proxy
