#!/usr/bin/env bash
# Builds wasmbench for js/wasm, with the pure-Go kernels and with the SIMD
# ones (-tags wasmsimd), and runs it natively, in Node and in headless
# Chromium (Debian's /usr/bin/chromium), printing each one's result lines.
# Usage: tools/wasmbench/run.sh   (from anywhere; needs Go, Node, Chromium)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
simd="$here/../../backend/cpu/internal/kernel/wasmsimd"
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
wasm="$(go env GOROOT)/lib/wasm"
cd "$here"
GOOS=js GOARCH=wasm go build -o "$dir/wasmbench.wasm" .
GOOS=js GOARCH=wasm go build -tags wasmsimd -o "$dir/wasmbench-simd.wasm" .
cp "$wasm/wasm_exec.js" index.html "$simd/simd.js" "$simd/simd.wasm" "$dir/"

echo "== native"
go run . | grep '^wasmbench:'
echo "== node $(node --version)"
node --stack-size=8192 "$wasm/wasm_exec_node.js" "$dir/wasmbench.wasm" | grep '^wasmbench:'
echo "== node $(node --version), -tags wasmsimd"
"$simd/go_js_wasm_exec" "$dir/wasmbench-simd.wasm" | grep '^wasmbench:'

chrome=${CHROMIUM:-/usr/bin/chromium}
port=$((20000 + RANDOM % 20000))
(cd "$dir" && python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
sleep 1
# Chromium prints console messages to stderr with --enable-logging=stderr;
# stop it once the benchmark says it is done (or after 10 minutes).
for page in index.html 'index.html?simd=plain' 'index.html?simd'; do
  echo "== $($chrome --version 2>/dev/null), $page"
  log="$dir/chromium.log"
  "$chrome" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --disable-background-networking --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$dir/profile-$RANDOM" --enable-logging=stderr --v=0 \
    "http://127.0.0.1:$port/$page" >"$log" 2>&1 &
  chromium_pid=$!
  for _ in $(seq 600); do
    grep -q 'wasmbench: done\|wasmbench: error' "$log" && break
    sleep 1
  done
  kill "$chromium_pid" 2>/dev/null || true
  wait "$chromium_pid" 2>/dev/null || true
  grep -o 'wasmbench:[^"]*' "$log"
done
