# lstm-digits. `make run` and `make test` are all a fresh machine needs
# (after .ci/run's system packages: Debian's python3-torch for the PyTorch
# checks, Node for the WebAssembly tests, Chromium for the web app's test).

GO      ?= go
PYTHON  ?= /usr/bin/python3
WASMEXEC = $(shell $(GO) env GOROOT)/lib/wasm
# Packages whose tests also run as WebAssembly in Node.
WASMPKGS = ./lstm/ ./backend/... ./safetensors/ ./mnist/ ./web/training/
# The SIMD128 kernels for js/wasm builds with -tags wasmsimd: simd.wasm
# (generated: go generate ./$(WASMSIMD)), its loader simd.js, and
# go_js_wasm_exec, which runs such builds in Node.
WASMSIMD = backend/cpu/internal/kernel/wasmsimd
# Thread counts that make bench compares at.
THREADS ?= 1 2
ROUNDS  ?= 3
# The code version recorded in the models digits trains.
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo devel)
# How the shipped model is trained: the seed's settings (digits train's defaults).
TRAINFLAGS ?=

# The browser app, built into the folder the server embeds: the page and
# the training worker.
WASM     = web/static/app.wasm
WORKER   = web/static/worker.wasm
SIMD     = web/static/simd.wasm web/static/simd.js
WASMSRC := $(shell find . -name '*.go' -not -path './cmd/*' -not -path './tools/*' -not -path './.dev/*' -not -name '*_test.go')

.PHONY: run build test test-native test-wasm lint bench train subset fixtures fuzz clean

## run: build digits and serve the web app on http://127.0.0.1:8080
run: build
	./bin/digits serve

## build: build the browser app (wasm, precompressed) and bin/digits, which embeds it
build: $(WASM).br $(WORKER).br $(SIMD)
	$(GO) build -ldflags "-X main.buildVersion=$(VERSION)" -o bin/digits ./cmd/digits

$(WASM): $(WASMSRC) go.mod go.sum
	GOOS=js GOARCH=wasm $(GO) build -trimpath -o $@ ./wasm

# The worker computes with the SIMD128 kernels: it needs simd.wasm and
# simd.js beside it.
$(WORKER): $(WASMSRC) go.mod go.sum
	GOOS=js GOARCH=wasm $(GO) build -trimpath -tags wasmsimd -o $@ ./wasm/worker

web/static/simd.%: $(WASMSIMD)/simd.%
	cp $< $@

# FILE.br and FILE.gz, for digits serve to send by Accept-Encoding.
%.wasm.br: %.wasm
	$(GO) run ./web/internal/compress $<

## test: every test: lint, native (with the PyTorch round trip), WebAssembly
test: lint test-native test-wasm

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet $(WASMPKGS) ./tools/wasmbench/ ./web/... ./wasm/...
	GOOS=js GOARCH=wasm $(GO) vet -tags wasmsimd $(WASMPKGS) ./tools/wasmbench/ ./web/... ./wasm/...
	CGO_ENABLED=0 $(GO) build ./...

# WEB_REQUIRE_BROWSER: the web app's test in headless Chromium fails, not
# skips, without Chromium.
test-native: $(WASM).br $(WORKER).br $(SIMD)
	LSTM_REQUIRE_TORCH=1 WEB_REQUIRE_BROWSER=1 $(GO) test ./...

# The packages run twice: with the pure-Go kernels, and with the SIMD128
# ones linked in Node by $(WASMSIMD)/go_js_wasm_exec.
test-wasm:
	PATH="$(WASMEXEC):$$PATH" GOOS=js GOARCH=wasm $(GO) test $(WASMPKGS)
	GOOS=js GOARCH=wasm $(GO) test -tags wasmsimd -exec "$(CURDIR)/$(WASMSIMD)/go_js_wasm_exec" $(WASMPKGS)

## bench: our training step and inference beside PyTorch's, same thread count, alternating
bench: build
	@for round in $$(seq $(ROUNDS)); do for n in $(THREADS); do \
	  GOMAXPROCS=$$n ./bin/digits bench --json --seconds 15; \
	  OMP_WAIT_POLICY=PASSIVE $(PYTHON) tools/bench_torch.py --threads $$n --json --seconds 15; \
	done; done | $(PYTHON) tools/bench_compare.py

## train: train the shipped model on MNIST (a few minutes) and install it as assets/model.safetensors
train: build
	./bin/digits train --out run/shipped $(TRAINFLAGS)
	cp run/shipped/model.safetensors assets/model.safetensors

## subset: rewrite the browser's MNIST subset, assets/mnist-subset.safetensors.gz
subset:
	$(GO) run ./tools/mksubset

## fixtures: regenerate the PyTorch reference files (needs python3-torch)
fixtures:
	$(PYTHON) tools/gen_fixtures.py
	$(PYTHON) tools/torch_model.py examples

## fuzz: run each fuzz target for FUZZTIME (default 1m)
FUZZTIME ?= 1m
fuzz:
	$(GO) test ./safetensors/ -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)
	$(GO) test ./lstm/ -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./lstm/ -run '^$$' -fuzz '^FuzzDecodeConfig$$' -fuzztime $(FUZZTIME)
	$(GO) test ./mnist/ -run '^$$' -fuzz FuzzReadIDX -fuzztime $(FUZZTIME)

clean:
	rm -rf bin run $(WASM) $(WASM).br $(WASM).gz $(WORKER) $(WORKER).br $(WORKER).gz $(SIMD)
