# lstm-digits. `make run` and `make test` are all a fresh machine needs:
# make run needs only Go; make test first runs make deps, which installs
# what the tests need beyond Go when it is missing (tools/deps.sh).

GO      ?= go
PYTHON  ?= /usr/bin/python3
WASMEXEC = $(shell $(GO) env GOROOT)/lib/wasm
# Packages whose tests also run as WebAssembly in Node.
WASMPKGS = ./lstm/ ./backend/... ./safetensors/ ./mnist/ ./digit/
# The SIMD128 kernels for js/wasm builds with -tags wasmsimd: simd.wasm
# (generated: go generate ./$(WASMSIMD)), its loader simd.js, and
# go_js_wasm_exec, which runs such builds in Node.
WASMSIMD = backend/cpu/internal/kernel/wasmsimd
KERNELDIR = backend/cpu/internal/kernel
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

.PHONY: run build deps test test-native test-wasm test-arm64 lint bench onnx train subset fixtures fuzz clean cuda kernels check-kernels cuda-check cuda-emu gpu-bundle

## run: build digits and serve the web app on http://127.0.0.1:8080
run: build
	./bin/digits serve

## build: build the browser app (wasm, precompressed) and bin/digits, which embeds it
build: $(WASM).br $(WORKER).br $(SIMD)
	$(GO) build -ldflags "-X main.buildVersion=$(VERSION)" -o bin/digits ./cmd/digits

# The page and the worker compute with the SIMD128 kernels (or, where the
# browser has none, the pure-Go ones): they need simd.wasm and simd.js
# beside them.
$(WASM): $(WASMSRC) go.mod go.sum
	GOOS=js GOARCH=wasm $(GO) build -trimpath -tags wasmsimd -o $@ ./wasm

$(WORKER): $(WASMSRC) go.mod go.sum
	GOOS=js GOARCH=wasm $(GO) build -trimpath -tags wasmsimd -o $@ ./wasm/worker

web/static/simd.%: $(WASMSIMD)/simd.%
	cp $< $@

# FILE.br and FILE.gz, for digits serve to send by Accept-Encoding.
%.wasm.br: %.wasm
	$(GO) run ./web/internal/compress $<

# The CUDA backend (backend/cuda, build tag cuda) builds against cuda.h and
# the stub libcuda.so, which tools/cuda/headers.sh puts in CUDADEV, from the
# system or from Debian's nvidia-cuda-dev package (never committed).
CUDADEV  = .dev/cuda-dev
CUDAENV  = CGO_ENABLED=1 CGO_CFLAGS="-I$(CURDIR)/$(CUDADEV)/include" CGO_LDFLAGS="-L$(CURDIR)/$(CUDADEV)/lib"

$(CUDADEV)/include/cuda.h:
	tools/cuda/headers.sh $(CUDADEV)

## cuda: build bin/digits-cuda, digits with the CUDA backend (--device cuda)
cuda: $(WASM).br $(WORKER).br $(SIMD) $(CUDADEV)/include/cuda.h
	$(CUDAENV) $(GO) build -tags cuda -ldflags "-s -w -X main.buildVersion=$(VERSION)" -o bin/digits-cuda ./cmd/digits
	@echo "bin/digits-cuda needs the NVIDIA driver (libcuda.so.1) and a GPU: without a GPU it stops at start with a one-line error, without the driver the loader refuses it (exit 127); bin/digits (make build) runs on the CPU anywhere."

## kernels: compile backend/cuda/kernels.cu to the committed kernels.ptx (needs nvcc)
kernels:
	backend/cuda/genptx.sh $(CURDIR)/backend/cuda/kernels.ptx

# check-kernels: regenerate the PTX and compare it with the committed one,
# where the nvcc that made it (its release is in the file) is present.
check-kernels:
	@want=$$(sed -n 's|^// Cuda compilation tools, \(release [0-9.]*\).*|\1|p' backend/cuda/kernels.ptx); \
	have=$$(nvcc --version 2>/dev/null | sed -n 's|.*\(release [0-9.]*\).*|\1|p'); \
	if [ "$$have" != "$$want" ]; then echo "check-kernels: skipped: kernels.ptx comes from nvcc $$want, and this machine has $${have:-no nvcc}"; exit 0; fi; \
	tmp=$$(mktemp); backend/cuda/genptx.sh $$tmp && cmp -s $$tmp backend/cuda/kernels.ptx; rc=$$?; rm -f $$tmp; \
	if [ $$rc -ne 0 ]; then echo "check-kernels: kernels.ptx is not what kernels.cu compiles to: run make kernels"; exit 1; fi; \
	echo "check-kernels: kernels.ptx matches kernels.cu ($$want)"

## cuda-emu: the conformance suite on kernels.cu compiled for the CPU (build tag cudaemu; needs g++, no GPU, no CUDA)
cuda-emu:
	$(GO) vet -tags cudaemu ./backend/cuda/
	CGO_ENABLED=1 $(GO) test -tags cudaemu -timeout 20m ./backend/cuda/
	CGO_ENABLED=1 $(GO) test -tags cudaemu -run 'TestBenchTakesTheDevicePath|TestDeviceErrorIsOneLine' ./cmd/digits/

## cuda-check: compile the cuda-tagged code (vet, the test binary, digits) without a GPU, and run cuda-emu; CI runs it
cuda-check: $(CUDADEV)/include/cuda.h check-kernels cuda-emu
	$(CUDAENV) $(GO) vet -tags cuda ./...
	$(CUDAENV) $(GO) test -tags cuda -c -o $(CUDADEV)/cudatest ./backend/cuda/
	$(CUDAENV) $(GO) build -tags cuda -o $(CUDADEV)/digits ./cmd/digits
	@mkdir -p $(CUDADEV)/stub && cp $(CUDADEV)/lib/libcuda.so $(CUDADEV)/stub/libcuda.so.1
	@out=$$(LD_LIBRARY_PATH=$(CUDADEV)/stub $(CUDADEV)/digits help 2>&1); rc=$$?; \
	if [ $$rc -ne 1 ] || ! echo "$$out" | grep -q "found no usable GPU"; then echo "cuda-check: digits on the stub driver exited $$rc: $$out"; exit 1; fi; \
	echo "cuda-check: on the stub driver, as without a GPU, digits says: $$out"

## gpu-bundle: build into .dev/gpu what tools/gpu/run.sh runs on a GPU machine (see backend/cuda/NOTES.md)
gpu-bundle: cuda
	$(CUDAENV) tools/gpu/bundle.sh .dev/gpu

## deps: install what make test needs beyond Go, if missing (Debian's python3-torch with OpenBLAS, Node, Chromium, gcc); else nothing, at once
deps:
	@tools/deps.sh

## test: every test: lint, native (with the PyTorch round trip), WebAssembly
test: deps
	$(MAKE) lint test-native test-wasm test-arm64

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet $(WASMPKGS) ./tools/wasmbench/ ./web/... ./wasm/...
	GOOS=js GOARCH=wasm $(GO) vet -tags wasmsimd $(WASMPKGS) ./tools/wasmbench/ ./web/... ./wasm/...
	CGO_ENABLED=0 $(GO) build ./...
	tools/gpu/run_test.sh
	@tmp=$$(mktemp -d); for arch in amd64 arm64; do \
	  cp $(KERNELDIR)/gen_*.py $$tmp/ && (cd $$tmp && $(PYTHON) gen_$$arch.py) || { echo "lint: gen_$$arch.py failed"; rm -rf $$tmp; exit 1; }; \
	  for f in kernels_$$arch.s micro_$$arch.go; do cmp -s $$tmp/$$f $(KERNELDIR)/$$f || { echo "lint: $(KERNELDIR)/$$f is not what gen_$$arch.py writes: run it"; rm -rf $$tmp; exit 1; }; done; \
	done; rm -rf $$tmp; echo "lint: the assembly kernels are what their generators write"

# WEB_REQUIRE_BROWSER: the web app's test in headless Chromium fails, not
# skips, without Chromium. The web app's tests run after the others, alone:
# they measure the page's thread, which other test binaries would share
# the cores with.
test-native: $(WASM).br $(WORKER).br $(SIMD)
	LSTM_REQUIRE_TORCH=1 $(GO) test $$($(GO) list ./... | grep -v '/web$$')
	LSTM_REQUIRE_TORCH=1 WEB_REQUIRE_BROWSER=1 $(GO) test ./web/

# The NEON kernels (arm64): the kernel, CPU backend and lstm packages'
# tests cross-compiled and run under qemu-user, against the plain
# references and the PyTorch fixtures. Three tests are left out as too slow
# under emulation (10 Adam steps against PyTorch, 95 s; the steady-memory
# loop, 56 s; the conformance suite again with backward spans of one step,
# 21 s, which tests Go code the same on every target); they run natively
# on every other target.
ARM64PKGS = backend/cpu/internal/kernel backend/cpu lstm
test-arm64:
	@mkdir -p .dev/arm64
	@for p in $(ARM64PKGS); do \
	  GOARCH=arm64 $(GO) test -c -o $(CURDIR)/.dev/arm64/$$(echo $$p | tr / _).test ./$$p || exit 1; \
	  echo "qemu-aarch64-static $$p"; \
	  (cd $$p && qemu-aarch64-static $(CURDIR)/.dev/arm64/$$(echo $$p | tr / _).test -test.skip 'TestTorchAdamSteps|TestTrainStepSteadyMemory|TestConformance/spans') || exit 1; \
	done

# The packages run twice: with the pure-Go kernels, and with the SIMD128
# ones linked in Node by $(WASMSIMD)/go_js_wasm_exec. The kernel and CPU
# backend packages run a third time built with the SIMD128 kernels in an
# engine without them (LSTMSIMD_OFF: the stand-ins are linked), where they
# fall back to the pure-Go kernels, as in a browser without SIMD128.
test-wasm:
	PATH="$(WASMEXEC):$$PATH" GOOS=js GOARCH=wasm $(GO) test $(WASMPKGS)
	GOOS=js GOARCH=wasm $(GO) test -tags wasmsimd -exec "$(CURDIR)/$(WASMSIMD)/go_js_wasm_exec" $(WASMPKGS)
	LSTMSIMD_OFF=1 GOOS=js GOARCH=wasm $(GO) test -count=1 -tags wasmsimd -exec "$(CURDIR)/$(WASMSIMD)/go_js_wasm_exec" ./backend/cpu/internal/kernel/ ./backend/cpu/

## bench: our training step and inference beside PyTorch's, and inference beside ONNX Runtime's, same thread count, alternating
bench: build onnx
	@for round in $$(seq $(ROUNDS)); do for n in $(THREADS); do \
	  GOMAXPROCS=$$n ./bin/digits bench --json --seconds 15; \
	  OMP_WAIT_POLICY=PASSIVE $(PYTHON) tools/bench_torch.py --threads $$n --json --seconds 15; \
	  node tools/onnxbench/bench.js --dir $(ONNXDIR) --threads $$n --seconds 8; \
	done; done | $(PYTHON) tools/bench_compare.py

# ONNX Runtime for make bench: its Node binding installed from
# tools/onnxbench's lock file, and the shipped model exported by PyTorch
# with the logits to check it by, all in ONNXDIR (never committed).
ONNXDIR = .dev/onnxbench

## onnx: install onnxruntime-node (npm ci) and export the shipped model to ONNX, into .dev/onnxbench
onnx: $(ONNXDIR)/node_modules/.package-lock.json $(ONNXDIR)/model.onnx

$(ONNXDIR)/node_modules/.package-lock.json: tools/onnxbench/package.json tools/onnxbench/package-lock.json
	@mkdir -p $(ONNXDIR)
	cp $^ $(ONNXDIR)/
	cd $(ONNXDIR) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

$(ONNXDIR)/model.onnx: assets/model.safetensors tools/onnx_export.py tools/torch_model.py tools/seed_model.py tools/safetensors_io.py
	$(PYTHON) tools/onnx_export.py --model assets/model.safetensors --out $(ONNXDIR)

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
	rm -rf bin run .dev/gpu $(CUDADEV) $(WASM) $(WASM).br $(WASM).gz $(WORKER) $(WORKER).br $(WORKER).gz $(SIMD)
