#!/usr/bin/env bash
# Measures the seed model's training throughput (hidden 128, 2 layers,
# batch 100) in one headless Chromium page load: TensorFlow.js 4.22.0's wasm,
# webgl and cpu backends (bench.js), then ours (the web app's training
# workers, as make build builds them), and prints the ratio ours / best
# TF.js backend.
# Usage: tools/tfjsbench/run.sh [query]   (from the repository, after make
#   build; needs npm, python3, Chromium). query is passed to bench.html, e.g.
#   'warm=1&steps=wasm:3,webgl:2,cpu:2' or 'backends=wasm&ours=0'.
# Env: CHROMIUM (default /usr/bin/chromium), CHROMIUM_FLAGS (extra flags),
#   TIMEOUT (seconds to wait for the page, default 540).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT

# TF.js from the lock file, into the temporary folder (nothing written here).
cp "$here/package.json" "$here/package-lock.json" "$here/bench.html" "$here/bench.js" "$dir/"
(cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)

# Ours: the app's worker and what it loads, at the paths the site serves.
root="$here/../.."
mkdir -p "$dir/web"
for f in worker.wasm simd.wasm simd.js; do
  [ -f "$root/web/static/$f" ] || { echo "tfjsbench: web/static/$f is missing: run make build" >&2; exit 1; }
  cp "$root/web/static/$f" "$dir/web/"
done
cp "$root/web/worker.js" "$root/web/store.js" "$dir/web/"
cp "$root/assets/mnist-subset.safetensors.gz" "$dir/web/"
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$dir/"

chrome=${CHROMIUM:-/usr/bin/chromium}
echo "== $($chrome --version 2>/dev/null)"
port=$((20000 + RANDOM % 20000))
(cd "$dir" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
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
for _ in $(seq "${TIMEOUT:-540}"); do
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
