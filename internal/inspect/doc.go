// Package inspect renders what the simulator and the validating proxy see as
// HTML, one rendering for two uses: the inspector page ecpay-sim serves at
// /_sim/ui (Handler, of a Source: Simulator or Proxy), and the report file
// of `ecpay-invoice validate --record FILE --html REPORT` (Report).
//
// Both list the exchanges newest first, each with its operation, merchant,
// TransCode, RtnCode with its meaning and refusal class (from the registry),
// and a verdict (violation, failure, refused, ok); each opens to both sides'
// decrypted Data, pretty-printed, every violation pinned to the line of its
// JSON pointer with its rule and the page's words. An upstream failure is
// shown apart from the violations. The simulator's requests are checked with
// proxy.CheckExchange, the check of a recording, so that the simulator's
// page says what a proxy's would.
//
// The page is html/template with its style and script embedded, no
// framework and no build step; it reads without JavaScript (the filters are
// then a form), and its script filters as you type and fetches new
// exchanges. It is safe by construction: every value is escaped by the
// template, keys are never in what it shows (the simulator keeps none, a
// recording holds none), the served page's Content-Security-Policy allows
// script and style only from its own files, a report's only its own inline
// style and script by their hashes, and the inspector answers only
// loopback peers naming a loopback host and takes a POST (arming a fault)
// only from its own origin.
//
//	mux.Handle(inspect.Path+"/", inspect.Handler(inspect.Simulator(sim)))
package inspect
