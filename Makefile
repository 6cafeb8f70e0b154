# Every target runs from a clean clone with Go, make and the POSIX tools every
# Debian image has (find, tar, diff, awk); the tools below are pinned and
# fetched through the Go module proxy on first use.
GO          ?= go
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
SPECTOOL    := $(GO) run ./internal/cmd/spectool
# The vendor pages (openapi/<Operation>.yaml) and their overlays.
PAGES       := openapi
# Every file the generator writes: *.gen.go anywhere in the module.
GEN_FILES   := find . -name '*.gen.go' -not -path './.git/*' -not -path '*/testdata/*'

.PHONY: all build generate check-generated validate-spec spec-diff lint contract test fuzz bench

all: generate build

build:
	$(GO) build ./...

## generate: regenerate everything that comes from the pages in openapi/, through the overlays
generate:
	$(GO) generate ./...

## check-generated: regenerate and fail, showing the diff, if any generated file
## (generated/, wrapper/operations.gen.go, ecpaysim/operations.gen.go, ...) changed,
## appeared or disappeared
check-generated:
	@snapshot=$$(mktemp -d) && trap 'rm -rf "$$snapshot"' EXIT && \
	mkdir "$$snapshot/before" "$$snapshot/after" && \
	$(GEN_FILES) | tar -cf - -T - | tar -xf - -C "$$snapshot/before" && \
	$(GO) generate ./... && \
	$(GEN_FILES) | tar -cf - -T - | tar -xf - -C "$$snapshot/after" && \
	if ! (cd "$$snapshot" && diff -ru before after); then \
		echo "the generated files were stale: they are regenerated now; review and commit them." >&2; exit 1; \
	fi
	@echo "the generated files are up to date"

## validate-spec: every page in openapi/, alone with kin-openapi and then with its
## overlays as the generator applies them, and that the pages agree
validate-spec:
	$(SPECTOOL) validate $(PAGES)

## spec-diff NEW=path: the page NEW is a version of (found by its path) against the
## committed one, Data schemas and servers included, and whether the overlays still
## apply to NEW; exit 1 on a breaking change
spec-diff:
	@test -n "$(NEW)" || { echo "usage: make spec-diff NEW=path/to/new-page.yaml" >&2; exit 2; }
	$(SPECTOOL) diff $(PAGES) "$(NEW)"

## lint: gofmt, go vet and staticcheck, all clean
lint:
	@unformatted=$$(find . -name '*.go' -not -path './.git/*' -exec gofmt -l {} +); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

## contract: both sides of every exchange against its page — the pages themselves,
## the CancelDelayIssue page's examples, and every request the client sends and
## answer the simulator gives in these packages' tests (internal/contract checks
## each one)
contract: validate-spec
	$(GO) test -race -count=1 ./internal/contract/ ./ecpaysim/... ./wrapper/

## test: everything CI runs; the simulator's full memory-bound test runs without
## -race, which slows its 600 large requests beyond reason
test: check-generated lint contract
	$(GO) test -race ./...
	$(GO) test -count=1 -run '^TestMemoryIsBounded$$' ./ecpaysim/

## bench: the benchmarks side by side with their baselines, in interleaved rounds,
## as a table of median ratios against the targets (raw output in bench.txt), then
## the CLI's 1,000- and 10,000-Tsr batches against the simulator (throughput, peak RSS)
bench:
	$(GO) run ./internal/cmd/benchratio -rounds 15 -benchtime 500ms -raw bench.txt
	ECPAY_INVOICE_BIG=1 $(GO) test -count=1 -run '^TestMemoryDoesNotGrowWithTsrs$$' -v ./cmd/ecpay-invoice/ | grep -E 'Tsrs/s|^(ok|FAIL)'

## fuzz: a short coverage-guided run of every fuzz target in the module (or in
## FUZZPKGS), FUZZTIME each; the targets are found by go test -list, and make test
## runs their seed corpus
FUZZTIME ?= 20s
FUZZPKGS ?= ./...
fuzz:
	@set -e; list=$$(mktemp); trap 'rm -f "$$list"' EXIT; \
	$(GO) test -list '^Fuzz' $(FUZZPKGS) >"$$list" || { cat "$$list" >&2; exit 1; }; \
	targets=$$(awk '/^Fuzz/ { names = names " " $$1; next } /^ok / { n = split(names, t, " "); for (i = 1; i <= n; i++) print $$2, t[i]; names = "" }' "$$list"); \
	test -n "$$targets" || { echo "no fuzz target found" >&2; exit 1; }; \
	echo "$$targets" | while read -r pkg target; do \
		echo "== $$pkg $$target"; \
		$(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) "$$pkg" </dev/null || exit 1; \
	done
