// Package generated holds what every ECPay page shares: the request and
// answer envelopes (RequestEnvelope with RqHeader, ResponseEnvelope with
// RpHeader) and ECPay's server URLs, generated from the pages by
// internal/cmd/ecpaygen (envelope.gen.go), and the handwritten types the
// fields of every answer's Data (and the envelope's MerchantID) decode into,
// LenientInt, LenientNumber and LenientString: ECPay's answers are looser
// than its pages.
//
// Each page has a package of its own below this one, generated/<operation>
// (for example generated/canceldelayissue), with its inner Data types, a
// client, server interfaces and its embedded spec; generated/registry lists
// them all. Nothing here is edited by hand but this file and the Lenient
// types: change openapi/ or the generator and run `go generate ./...`.
package generated
