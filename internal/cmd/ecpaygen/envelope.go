package main

import (
	"context"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"gopkg.in/yaml.v3"

	"github.com/ecpay-go/einvoice/internal/pages"
)

// generateEnvelope generates the envelope types every page shares, and the
// server URLs, into package generated, from the envelopes of the first page
// whose answer Data is the encrypted string (pages.EnvelopePage; pages.LoadAll
// has checked that every page's are the same, but for the Data of a page
// that answers it plain).
func generateEnvelope(ctx context.Context, all []*pages.Page, base codegen.Configuration) ([]byte, error) {
	first, err := pages.EnvelopePage(all)
	if err != nil {
		return nil, err
	}
	var servers []map[string]string
	for _, name := range []string{pages.StageServer, pages.ProductionServer} {
		servers = append(servers, map[string]string{"url": first.Servers[name], "x-go-name": name, "description": first.ServerDescriptions[name]})
	}
	var node yaml.Node
	err = node.Encode(map[string]any{
		"openapi": first.Doc.OpenAPI,
		"info":    map[string]string{"title": "The envelope every ECPay B2C e-invoice page shares", "version": "1.0.0"},
		"servers": servers,
		"paths":   map[string]any{},
		"components": map[string]any{"schemas": map[string]*yaml.Node{
			pages.RequestEnvelopeType:  first.RequestEnvelope,
			pages.ResponseEnvelopeType: first.ResponseEnvelope,
		}},
	})
	if err != nil {
		return nil, err
	}
	data, err := yaml.Marshal(&node)
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("the shared envelope (from %s): %w", first.File, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("the shared envelope (from %s): %w", first.File, err)
	}
	cfg := base
	cfg.PackageName = "generated"
	cfg.Generate = codegen.GenerateOptions{Models: true, ServerURLs: true}
	code, err := generate(doc, cfg)
	if err != nil {
		return nil, fmt.Errorf("the shared envelope (from %s): %w", first.File, err)
	}
	// The package comment is generated/doc.gen.go's, from a template.
	return rewriteHeader(code, "")
}
