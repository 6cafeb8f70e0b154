// Package lenient holds the types every member of an ECPay answer's Data
// (and the answer envelope's MerchantID) decodes into: Int, Number and
// String accept both a JSON number and a JSON string holding one, because
// ECPay's answers are looser than its pages. They encode as the page says.
//
// The generator (internal/pages, through x-go-type-import) maps every answer
// member to one of them, so a page's overlay need not; package generated
// keeps the old names LenientInt, LenientNumber and LenientString as aliases.
package lenient
