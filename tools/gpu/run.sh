#!/bin/bash
# run.sh: the CUDA backend's checks and benchmarks on a GPU machine, in one
# device call of at most 600 s, from the repository root, after make
# gpu-bundle built .dev/gpu here (Go is not needed there; python3 with
# torch is). See backend/cuda/NOTES.md, "The one call on a GPU machine".
#
# What comes back is at most 8 files: $OUT/summary.txt (each stage's exit
# code, limit and wall time, then the figures), $OUT/env.txt, and
# $OUT/logs.tar.gz with every log and the training run's files. Each stage
# runs under timeout -k with its own limit; the limits add up to at most
# BUDGET seconds (480), which leaves the kill graces, the archive and the
# call's start inside the 600 s. A failing or hung stage does not stop the
# next. The conformance suite runs one process per group (groups.sh: each
# LSTM case alone) with CUDA_LAUNCH_BLOCKING=1 and a Go test timeout a few
# seconds short of the stage's, which prints the goroutines' stacks, so that
# a kernel fault, a poisoned context or a hung grid barrier costs one group.
#
# GPU_RUN_DRY=1 runs every stage as true (no GPU, no bundle needed):
# tools/gpu/run_test.sh checks the limits and the outputs that way.
set -u
OUT=${OUT:-gpu-out}
B=.dev/gpu
BUDGET=480
KILL=2 # seconds from timeout's TERM to its KILL
mkdir -p "$OUT"
work=$(mktemp -d)
summary=$OUT/summary.txt
: >"$summary"
total=0

# stage NAME LIMIT COMMAND...: run COMMAND for at most LIMIT seconds, its
# output in $work/NAME.log, and record its exit code and wall time.
stage() {
	local name=$1 limit=$2
	shift 2
	total=$((total + limit))
	if [ "$total" -gt "$BUDGET" ]; then
		printf '%-34s skipped: the limits would pass %d s\n' "$name" "$BUDGET" >>"$summary"
		return
	fi
	local t0 t1 rc
	t0=$(date +%s%N)
	if [ "${GPU_RUN_DRY:-}" = 1 ]; then
		timeout -k "$KILL" "$limit" true >"$work/$name.log" 2>&1
	else
		timeout -k "$KILL" "$limit" "$@" >"$work/$name.log" 2>&1
	fi
	rc=$?
	t1=$(date +%s%N)
	printf '%-34s rc=%-3s limit=%-4s %7d ms\n' "$name" "$rc" "$limit" $(((t1 - t0) / 1000000)) >>"$summary"
}

# The bundle's binaries lose their executable bits in the copy.
chmod +x "$B/cudatest" "$B/digits" 2>/dev/null

{
	nvidia-smi
	ldd --version | head -1
	uname -a
	python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())'
	echo "--- ldd of the binaries"
	ldd "$B/cudatest" "$B/digits"
	echo "--- the driver's libraries found"
	ldconfig -p | grep -E 'libcuda\.so|libnvidia-ptxjitcompiler'
	echo "--- compute-sanitizer"
	command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer
} >"$OUT/env.txt" 2>&1

# Conformance: one process per group, LSTM cases alone.
export CUDA_LAUNCH_BLOCKING=1
while read -r name pattern; do
	case $name in
	lstm-*) limit=7 ;;
	ops) limit=25 ;;
	*) limit=15 ;;
	esac
	stage "conf-$name" "$limit" "$B/cudatest" -test.v -test.timeout "$((limit - 3))s" -test.run "$pattern"
done <"$B/groups.txt"

# compute-sanitizer on one small case: out-of-bounds and misaligned
# accesses (memcheck), shared memory races (racecheck).
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)
small='^TestConformance$/^LSTM$/^Small$/^Reference$'
stage memcheck 40 "${sanitizer:-compute-sanitizer}" --tool memcheck --error-exitcode 9 "$B/cudatest" -test.v -test.run "$small"
stage racecheck 40 "${sanitizer:-compute-sanitizer}" --tool racecheck --error-exitcode 9 "$B/cudatest" -test.v -test.run "$small"
unset CUDA_LAUNCH_BLOCKING

stage bench 30 "$B/digits" bench --device cuda --json --seconds 10
stage torch-step 40 python3 tools/bench_torch_cuda.py step --seconds 10
stage train 100 "$B/digits" train --device cuda --data "$B/mnist" --out "$work/run" --json
stage torch-train 40 python3 tools/bench_torch_cuda.py train --data "$B/mnist"

last() { tail -1 "$work/$1.log" 2>/dev/null; }
{
	echo
	echo "limits: $total s of $BUDGET"
	echo "conformance: $(grep -c '^conf-.* rc=0 ' "$summary") of $(grep -c '^conf-' "$summary") groups passed; failing (sub)tests:"
	grep -h -- '--- FAIL' "$work"/conf-*.log | head -20
	echo "memcheck:  $(grep -h 'ERROR SUMMARY' "$work/memcheck.log")"
	echo "racecheck: $(grep -h 'RACECHECK SUMMARY\|ERROR SUMMARY' "$work/racecheck.log")"
	echo "bench (ours):  $(last bench)"
	echo "bench (torch): $(last torch-step)"
	echo "train (ours):  $(grep -h 'Test accuracy' "$work/train.log" || last train)"
	echo "train (torch): $(last torch-train)"
} >>"$summary" 2>/dev/null
tar -czf "$OUT/logs.tar.gz" -C "$work" .
rm -rf "$work"
cat "$summary"
