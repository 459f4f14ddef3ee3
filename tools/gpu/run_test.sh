#!/bin/sh
# run_test.sh: check, without a GPU, that tools/gpu/run.sh fits the device
# call: run it dry (GPU_RUN_DRY=1: every stage is true) and check that its
# stages' limits add up to at most 480 s, that with timeout's kill graces
# they stay well inside the call's 600 s, that no stage was skipped, that
# every LSTM case of the conformance table has its own group, and that what
# it leaves in $OUT fits what comes back: at most 8 files of at most
# 16 MiB, at most 2 folders down, names of letters, digits, '.', '_', '-'.
# make test runs it (make lint).
set -eu
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/gpu"
tools/gpu/groups.sh >"$tmp/groups.txt"
fail() { echo "run_test.sh: $*" >&2; exit 1; }

# A copy of run.sh that reads the groups from $tmp instead of the bundle.
sed "s|^B=.dev/gpu\$|B=$tmp/gpu|" tools/gpu/run.sh >"$tmp/run.sh"
cp "$tmp/groups.txt" "$tmp/gpu/groups.txt"
OUT=$tmp/out GPU_RUN_DRY=1 bash "$tmp/run.sh" >"$tmp/stdout" 2>&1 || fail "the dry run failed: $(cat "$tmp/stdout")"
s=$tmp/out/summary.txt
[ -f "$s" ] || fail "no summary.txt"
! grep -q skipped "$s" || fail "stages skipped: $(grep skipped "$s")"
stages=$(grep -c ' limit=' "$s")
sum=$(sed -n 's/.* limit=\([0-9]*\) .*/\1/p' "$s" | awk '{t += $1} END {print t}')
[ "$sum" -le 480 ] || fail "the stages' limits add up to $sum s, more than 480"
[ $((sum + 2 * stages + 30)) -le 600 ] || fail "$sum s of limits, $stages kill graces of 2 s and 30 s for the rest pass the call's 600 s"
grep -q "^limits: $sum s of 480" "$s" || fail "summary.txt does not give the limits' sum"
cases=$(grep -c '^lstm-' "$tmp/groups.txt")
table=$(grep -c '^[[:space:]]*{name: "' backend/backendtest/lstm.go)
[ "$cases" -eq "$table" ] || fail "$cases LSTM groups for the $table cases of backendtest's table"
[ "$(grep -c '^conf-lstm-.* rc=0 ' "$s")" -eq "$cases" ] || fail "not every LSTM group ran"

files=$(find "$tmp/out" -type f | wc -l)
[ "$files" -le 8 ] || fail "$files files in OUT, more than 8"
find "$tmp/out" -mindepth 4 | grep -q . && fail "something in OUT more than 2 folders down"
find "$tmp/out" -type f -size +16M | grep -q . && fail "a file in OUT over 16 MiB"
find "$tmp/out" -mindepth 1 | sed "s|^$tmp/out/||" | tr / '\n' | grep -v '^[A-Za-z0-9._-]*$' | grep -q . && fail "a name in OUT outside [A-Za-z0-9._-]"
tar -tzf "$tmp/out/logs.tar.gz" | grep -q 'conf-lstm-SeedModel.log' || fail "logs.tar.gz lacks the groups' logs"
echo "run_test.sh: run.sh fits: $stages stages, limits $sum s of 480, $files files back"
