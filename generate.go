// Package einvoice is the root of a Go client for ECPay's B2C e-invoice API,
// generated from ECPay's pages in openapi/. Import
// [github.com/ecpay-go/einvoice/wrapper] for the typed client; this file only
// holds the code-generation directive.
package einvoice

// Regenerate everything that comes from the pages in openapi/ (each page's
// package under generated/, the shared envelope types, the operation
// registry, the typed methods of wrapper.Client and the simulator's adapters)
// through the overlays, with the oapi-codegen version pinned in go.mod.
//
//go:generate go run ./internal/cmd/ecpaygen
