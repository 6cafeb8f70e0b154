// Package einvoice is the root of a Go client for ECPay's B2C e-invoice API
// CancelDelayIssue. Import [github.com/ecpay-go/einvoice/wrapper] for the
// typed client; this file only holds the code-generation directive.
package einvoice

// Regenerate generated/ from ECPay's spec (openapi/CancelDelayIssue.yaml)
// through our overlay (openapi/overlay.yaml), with the oapi-codegen version
// pinned in go.mod through tools.go.
//
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config generated/oapi-codegen.yaml openapi/CancelDelayIssue.yaml
