// Command ecpaygen generates everything that comes from ECPay's pages, for
// every page found in openapi/ (see package internal/pages for how a page and
// its overlays become a document):
//
//	generated/<operation>/<operation>.gen.go   oapi-codegen: the inner Data types
//	                                           RequestData and ResponseData, client,
//	                                           std-http and strict server, embedded spec
//	generated/envelope.gen.go                  oapi-codegen: the envelope types and
//	                                           server URLs every page shares
//	generated/doc.gen.go                       package generated's comment, and the
//	                                           old names of package lenient's types
//	generated/registry/registry.gen.go         the registry of every operation
//	wrapper/operations.gen.go                  a typed method per operation on wrapper.Client
//	ecpaysim/operations.gen.go                 the simulator's adapter to each page's
//	                                           generated strict server
//
// It drives oapi-codegen as a library, at the version go.mod pins, with the
// configuration in generated/oapi-codegen.yaml, and removes the package of a
// page that is no longer in openapi/. generate.go runs it:
//
//	go generate ./...
//
// On failure it prints one message naming the page and what is wrong (for an
// overlay action that matches nothing, the action and how to see what ECPay
// changed) and exits with status 1, writing nothing.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"gopkg.in/yaml.v3"

	"github.com/ecpay-go/einvoice/internal/pages"
)

func main() {
	root := flag.String("root", ".", "the module's root directory")
	flag.Parse()
	if err := run(context.Background(), *root, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "ecpaygen: %v\n", err)
		os.Exit(1)
	}
}

// output is one generated file.
type output struct {
	path string // relative to the module root
	code []byte
}

func run(ctx context.Context, root string, log io.Writer) error {
	all, err := pages.LoadAll(ctx, filepath.Join(root, "openapi"))
	if err != nil {
		return err
	}
	for _, p := range all {
		// Paths in the registry and in messages are relative to the root.
		if rel, err := filepath.Rel(root, p.File); err == nil {
			p.File = filepath.ToSlash(rel)
		}
	}
	cfg, err := loadConfig(filepath.Join(root, "generated", "oapi-codegen.yaml"))
	if err != nil {
		return err
	}
	var outs []output
	for _, p := range all {
		code, err := generatePage(p, cfg)
		if err != nil {
			return fmt.Errorf("page %s: %w", p.File, err)
		}
		outs = append(outs, output{filepath.Join("generated", p.Package, p.Package+".gen.go"), code})
	}
	env, err := generateEnvelope(ctx, all, cfg)
	if err != nil {
		return err
	}
	outs = append(outs, output{filepath.Join("generated", "envelope.gen.go"), env})
	for _, t := range templates {
		code, err := t.render(all)
		if err != nil {
			return fmt.Errorf("%s: %w", t.path, err)
		}
		outs = append(outs, output{t.path, code})
	}
	for _, o := range outs {
		if err := writeIfChanged(filepath.Join(root, o.path), o.code); err != nil {
			return err
		}
	}
	return removeStale(root, all, log)
}

// loadConfig reads generated/oapi-codegen.yaml, strictly: an unknown key is
// an error.
func loadConfig(path string) (codegen.Configuration, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return codegen.Configuration{}, err
	}
	var c codegen.Configuration
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return codegen.Configuration{}, fmt.Errorf("%s: %w", path, err)
	}
	if c.PackageName != "" {
		return codegen.Configuration{}, fmt.Errorf("%s: leave out package: ecpaygen names each page's package after its operation", path)
	}
	if c.OutputOptions.Overlay.Path != "" {
		return codegen.Configuration{}, fmt.Errorf("%s: leave out output-options.overlay: ecpaygen applies openapi/overlay.yaml and each page's own overlay itself, page by page", path)
	}
	return c, nil
}

// generatePage runs oapi-codegen on the page's overlaid document.
func generatePage(p *pages.Page, base codegen.Configuration) ([]byte, error) {
	cfg := base
	cfg.PackageName = p.Package
	cfg.Generate.ServerURLs = false // once, for every page, in package generated
	code, err := generate(p.Doc, cfg)
	if err != nil {
		return nil, err
	}
	doc := comment("", fmt.Sprintf("Package %s is ECPay's %s operation (POST %s), generated from %s "+
		"with its overlays: the inner Data types RequestData and ResponseData, a client, std-http and "+
		"strict server interfaces and the embedded spec. Most programs call wrapper.Client.%s instead.",
		p.Package, p.Name, p.Path, p.File, p.Name))
	return rewriteHeader(code, doc)
}

// generate runs oapi-codegen with cfg completed as its command does.
func generate(doc *openapi3.T, cfg codegen.Configuration) ([]byte, error) {
	cfg = cfg.UpdateDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("generated/oapi-codegen.yaml: %w", err)
	}
	code, err := codegen.Generate(doc, cfg)
	if err != nil {
		return nil, fmt.Errorf("oapi-codegen: %w", err)
	}
	return []byte(code), nil
}

// rewriteHeader replaces oapi-codegen's package comment and "Code generated"
// line. Run as a library, oapi-codegen names the main module (this one, at a
// version that changes with every commit) as the generator; the header names
// oapi-codegen at the version go.mod pins instead, so that output does not
// drift. doc is the new package comment, "" for none.
func rewriteHeader(code []byte, doc string) ([]byte, error) {
	head, body, ok := bytes.Cut(code, []byte("\npackage "))
	if !ok {
		return nil, errors.New("oapi-codegen's output has no package clause")
	}
	var lines []string
	for _, l := range strings.Split(string(head), "\n") {
		if strings.HasPrefix(l, "//go:build") {
			lines = append(lines, l, "")
		}
	}
	if doc != "" {
		lines = append(lines, strings.TrimSuffix(doc, "\n"), "//")
	}
	lines = append(lines, "// Code generated by github.com/oapi-codegen/oapi-codegen/v2 version "+oapiCodegenVersion()+" through internal/cmd/ecpaygen; DO NOT EDIT.")
	if doc == "" {
		// Not a package comment: package generated has its own, doc.gen.go.
		lines = append(lines, "")
	}
	return []byte(strings.Join(lines, "\n") + "\npackage " + string(body)), nil
}

// oapiCodegenVersion is the version of oapi-codegen this binary was built
// with, from go.mod.
func oapiCodegenVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == "github.com/oapi-codegen/oapi-codegen/v2" {
				if dep.Replace != nil {
					return dep.Replace.Version
				}
				return dep.Version
			}
		}
	}
	return "(unknown)"
}

func writeIfChanged(path string, code []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, code) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, code, 0o644)
}

// removeStale deletes the package of every page no longer in openapi/: a
// directory of generated/ that holds nothing but its one generated file.
func removeStale(root string, all []*pages.Page, log io.Writer) error {
	current := map[string]bool{"registry": true}
	for _, p := range all {
		current[p.Package] = true
	}
	dir := filepath.Join(root, "generated")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() || current[e.Name()] {
			continue
		}
		files, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		if len(files) != 1 || files[0].Name() != e.Name()+".gen.go" {
			continue // not one of ours
		}
		fmt.Fprintf(log, "ecpaygen: removing generated/%s: its page is no longer in openapi/\n", e.Name())
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
