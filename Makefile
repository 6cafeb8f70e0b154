# Every target runs from a clean clone with only Go and make installed; the
# tools below are pinned and fetched through the Go module proxy on first use.
GO          ?= go
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
SPECTOOL    := $(GO) run ./internal/cmd/spectool
VENDOR_SPEC := openapi/CancelDelayIssue.yaml
OVERLAY     := openapi/overlay.yaml

.PHONY: all build generate check-generated validate-spec spec-diff lint contract test fuzz bench

all: generate build

build:
	$(GO) build ./...

## generate: regenerate generated/ from the vendor spec through the overlay
generate:
	$(GO) generate ./...

## check-generated: regenerate and fail, showing the diff, if generated/ changed
check-generated:
	@snapshot=$$(mktemp -d) && trap 'rm -rf "$$snapshot"' EXIT && \
	cp -R generated "$$snapshot/" && \
	$(GO) generate ./... && \
	if ! diff -ru "$$snapshot/generated" generated; then \
		echo "generated/ was stale: it is regenerated now; review and commit it." >&2; exit 1; \
	fi
	@echo "generated/ is up to date"

## validate-spec: kin-openapi validates the vendor spec and the overlaid spec
validate-spec:
	$(SPECTOOL) validate $(VENDOR_SPEC) $(OVERLAY)

## spec-diff NEW=path: breaking changes from the committed vendor spec to NEW, Data schemas included
spec-diff:
	@test -n "$(NEW)" || { echo "usage: make spec-diff NEW=path/to/new-vendor-spec.yaml" >&2; exit 2; }
	$(SPECTOOL) diff $(VENDOR_SPEC) $(NEW) $(OVERLAY)

## lint: gofmt, go vet and staticcheck, all clean
lint:
	@unformatted=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

## contract: both sides of every exchange against the spec — the specs themselves,
## the vendor page's examples, and every request the client sends and answer the
## simulator gives in these packages' tests (internal/contract checks each one)
contract: validate-spec
	$(GO) test -race -count=1 ./internal/contract/ ./ecpaysim/ ./wrapper/

## test: everything CI runs
test: check-generated lint contract
	$(GO) test -race ./...

## bench: the benchmarks side by side with their baselines, in interleaved rounds,
## as a table of median ratios against the targets (raw output in bench.txt), then
## the CLI's 1,000- and 10,000-Tsr batches against the simulator (throughput, peak RSS)
bench:
	$(GO) run ./internal/cmd/benchratio -rounds 11 -benchtime 300ms -raw bench.txt
	ECPAY_INVOICE_BIG=1 $(GO) test -count=1 -run '^TestMemoryDoesNotGrowWithTsrs$$' -v ./cmd/ecpay-invoice/ | grep -E 'Tsrs/s|^(ok|FAIL)'

## fuzz: a short coverage-guided run of every fuzz target (make test runs their seed corpus)
FUZZTIME ?= 20s
fuzz:
	@for target in FuzzDecrypt FuzzURLDecode FuzzRoundTrip FuzzURLRoundTrip; do \
		echo "== $$target"; \
		$(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) ./ecpaycrypto/ || exit 1; \
	done
