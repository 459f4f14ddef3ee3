#!/bin/bash
# run.sh: the CUDA backend's checks and benchmarks on a GPU machine, in one
# call, from the repository root, after make gpu-bundle built .dev/gpu here
# (Go is not needed there; python3 with torch is). Logs and summary.txt go
# to $OUT (default ./gpu-out). Each stage has its own time limit so that
# the whole stays under 10 minutes, and a failing stage does not stop the
# next.
set -u
OUT=${OUT:-gpu-out}
B=.dev/gpu
mkdir -p "$OUT"
summary=$OUT/summary.txt
: >"$summary"
stage() { # stage NAME LIMIT COMMAND...: run, log to $OUT/NAME.log, record rc and seconds
	local name=$1 limit=$2
	shift 2
	local t0 t1 rc
	t0=$(date +%s%N)
	timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
	rc=$?
	t1=$(date +%s%N)
	printf '%-14s rc=%-3s %6d ms  %s\n' "$name" "$rc" $(((t1 - t0) / 1000000)) "$*" >>"$summary"
}

{ nvidia-smi; ldd --version | head -1; uname -a; python3 -c 'import torch; print("torch", torch.__version__, "cudnn", torch.backends.cudnn.version())'; } >"$OUT/env.txt" 2>&1

stage conformance 150 "$B/cudatest" -test.v -test.run TestConformance
stage bench 60 "$B/digits" bench --device cuda --json --seconds 10
stage torch-step 90 python3 tools/bench_torch_cuda.py step --seconds 10
stage train 180 "$B/digits" train --device cuda --data "$B/mnist" --out "$OUT/run" --json
stage torch-train 150 python3 tools/bench_torch_cuda.py train --data "$B/mnist"

{
	echo
	echo "conformance: $(grep -c -- '--- FAIL' "$OUT/conformance.log") failing (sub)tests; last line: $(tail -1 "$OUT/conformance.log")"
	echo "bench (ours):  $(tail -1 "$OUT/bench.log")"
	echo "bench (torch): $(tail -1 "$OUT/torch-step.log")"
	echo "train (ours):  $(grep 'Test accuracy' "$OUT/train.log" || tail -1 "$OUT/train.log")"
	echo "train (torch): $(tail -1 "$OUT/torch-train.log")"
} >>"$summary"
cat "$summary"
