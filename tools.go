//go:build tools

// Package tools pins the code generator in go.mod, so that `go generate`
// runs the exact oapi-codegen version this module records. It is never built.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
