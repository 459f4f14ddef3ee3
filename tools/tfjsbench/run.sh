#!/usr/bin/env bash
# The browser benchmark, in one headless Chromium page load (bench.js):
# training throughput of the seed model (hidden 128, 2 layers, batch 100) in
# TensorFlow.js 4.22.0's wasm, webgl and cpu backends, then in ours (the web
# app's training workers), with the ratio ours / best TF.js backend; then,
# in alternating rounds, inference on the shipped model in ONNX Runtime Web
# 1.30.0's wasm backend (1 and 2 threads: one digit, median ms, and batch
# 100, samples/s; its logits checked against PyTorch's) and in our page
# (the web app's own figure of one prediction).
# Usage: tools/tfjsbench/run.sh [query]   (from the repository, after make
#   build; needs npm, python3, /usr/bin/python3 with torch for the ONNX
#   export, Chromium). query is passed to bench.html, e.g.
#   'warm=1&steps=wasm:3,webgl:2,cpu:2', 'backends=wasm&ours=0' or
#   'backends=&ours=0&rounds=5' (inference only).
# The site is served cross-origin isolated (serve.py), so threaded wasm
# (ONNX Runtime Web's 2 threads, TF.js's wasm threads) is allowed.
# Env: CHROMIUM (default /usr/bin/chromium), CHROMIUM_FLAGS (extra flags),
#   TIMEOUT (seconds to wait for the page, default 900), TORCH_PYTHON
#   (default /usr/bin/python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root="$here/../.."
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT

# Ours: the web app as plain files, the site's paths (the page at /, its
# worker and what it loads under web/, wasm_exec.js).
[ -x "$root/bin/digits" ] || { echo "tfjsbench: bin/digits is missing: run make build" >&2; exit 1; }
"$root/bin/digits" export-static "$dir" >/dev/null

# TF.js and ONNX Runtime Web from the lock file, into the temporary folder
# (nothing written here), and the shipped model exported to ONNX.
cp "$here/package.json" "$here/package-lock.json" "$here/bench.html" "$here/bench.js" "$here/ort.html" "$dir/"
(cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
mkdir -p "$dir/onnx"
"${TORCH_PYTHON:-/usr/bin/python3}" "$root/tools/onnx_export.py" --model "$root/assets/model.safetensors" --out "$dir/onnx" 2>/dev/null ||
  { echo "tfjsbench: tools/onnx_export.py failed (it needs torch in ${TORCH_PYTHON:-/usr/bin/python3})" >&2; exit 1; }
cp "$root/tools/onnxbench/measure.js" "$dir/onnx/"

chrome=${CHROMIUM:-/usr/bin/chromium}
echo "== $($chrome --version 2>/dev/null)"
port=$((20000 + RANDOM % 20000))
python3 "$here/serve.py" "$port" "$dir" &
sleep 1
# Chromium prints console messages to stderr with --enable-logging=stderr;
# stop it once the page says it is done (or after $TIMEOUT seconds).
# shellcheck disable=SC2086
"$chrome" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --disable-background-networking --disable-component-update --disable-sync --no-first-run \
  --user-data-dir="$dir/profile" --enable-logging=stderr --v=0 ${CHROMIUM_FLAGS:-} \
  "http://127.0.0.1:$port/bench.html${1:+?$1}" >"$dir/chromium.log" 2>&1 &
chromium_pid=$!
status=1
for _ in $(seq "${TIMEOUT:-900}"); do
  if grep -q 'tfjsbench: done' "$dir/chromium.log"; then status=0; break; fi
  grep -q 'tfjsbench: error' "$dir/chromium.log" && break
  sleep 1
done
kill "$chromium_pid" 2>/dev/null || true
wait "$chromium_pid" 2>/dev/null || true
grep -o '\(tfjs\|wasm\)bench:[^"]*' "$dir/chromium.log" || true
if [ "$status" != 0 ]; then
  echo "tfjsbench: no done line; last lines of Chromium's log:" >&2
  tail -n 20 "$dir/chromium.log" >&2
fi
exit "$status"
