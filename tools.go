//go:build tools

// Package tools pins the code generator in go.mod. internal/cmd/ecpaygen
// drives oapi-codegen's library at this version; the blank import keeps its
// command at the same version, so that `go run
// github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen` can reproduce one
// page by hand. It is never built.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
