// onnxbench: ONNX Runtime's CPU inference on our model, through its Node
// binding (npm onnxruntime-node, pinned in package-lock.json), the anchor
// that make bench sets beside `digits bench` and PyTorch.
//
//   make onnx        # npm ci into .dev/onnxbench; tools/onnx_export.py writes model.onnx and check.json there
//   node tools/onnxbench/bench.js --dir .dev/onnxbench --threads 1
//
// --dir holds node_modules (npm ci of this folder's package-lock.json) and
// model.onnx and check.json (tools/onnx_export.py). The session runs with
// --threads intra-op threads (one inter-op thread, sequential execution,
// every graph optimisation). First the check: the logits of check.json's
// digits, as one batch, one by one and inside a batch of --batch, must be
// within 1e-5 of PyTorch's (the worst difference is reported). Then, on
// random digits, the median time of one digit and of a batch of --batch
// (each for half of --seconds, after 10 untimed runs).
// Prints one JSON line, as `digits bench --json` does:
// {"impl","threads","batch","infer_ms","infer_samples_per_sec","max_abs_diff","ort_version"};
// an error is one line on stderr and exit status 1.
"use strict";

const fs = require("fs");
const path = require("path");
const { parseArgs } = require("util");

const TOLERANCE = 1e-5;

function median(a) {
  const s = [...a].sort((x, y) => x - y), n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

// medianSeconds runs f 10 times untimed, then times it until `seconds`
// pass (at least 5 runs), and returns the median run in seconds.
async function medianSeconds(f, seconds) {
  for (let i = 0; i < 10; i++) await f();
  const times = [], start = performance.now();
  while (times.length < 5 || performance.now() - start < seconds * 1000) {
    const t0 = performance.now();
    await f();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

// maxDiff runs the check's digits through the session as one batch, one at
// a time, and as the first rows of a batch of `batch`; it returns the
// largest absolute difference from PyTorch's logits.
async function maxDiff(ort, session, check, batch) {
  const [n, t, f] = check.input_shape, classes = check.logits_shape[1];
  const input = Float32Array.from(check.input), want = Float32Array.from(check.logits);
  let worst = 0;
  const compare = (got, first, count) => {
    for (let i = 0; i < count * classes; i++) worst = Math.max(worst, Math.abs(got[i] - want[first * classes + i]));
  };
  const run = async (data, rows) => (await session.run({ input: new ort.Tensor("float32", data, [rows, t, f]) })).logits.data;
  compare(await run(input, n), 0, n);
  for (let i = 0; i < n; i++) compare(await run(input.slice(i * t * f, (i + 1) * t * f), 1), i, 1);
  const padded = new Float32Array(Math.max(batch, n) * t * f);
  padded.set(input);
  compare(await run(padded, Math.max(batch, n)), 0, n);
  return worst;
}

async function main() {
  const { values: opt } = parseArgs({
    options: {
      dir: { type: "string" }, threads: { type: "string", default: "1" },
      seconds: { type: "string", default: "10" }, batch: { type: "string", default: "100" },
    },
  });
  const threads = +opt.threads, seconds = +opt.seconds, batch = +opt.batch;
  if (!opt.dir) throw new Error("--dir is required (the folder of make onnx: .dev/onnxbench)");
  if (!(threads >= 1 && seconds > 0 && batch >= 1)) throw new Error("--threads, --seconds and --batch must be positive");
  const dir = path.resolve(opt.dir), module = path.join(dir, "node_modules", "onnxruntime-node");
  for (const f of ["model.onnx", "check.json", module]) {
    if (!fs.existsSync(path.resolve(dir, f))) throw new Error(`${path.resolve(dir, f)} is missing: run make onnx`);
  }
  const ort = require(module);
  const check = JSON.parse(fs.readFileSync(path.join(dir, "check.json"), "utf8"));
  const session = await ort.InferenceSession.create(path.join(dir, "model.onnx"), {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all",
  });
  const diff = await maxDiff(ort, session, check, batch);
  if (!(diff <= TOLERANCE)) throw new Error(`ONNX Runtime's logits differ from PyTorch's by ${diff}, more than ${TOLERANCE}`);

  const [, t, f] = check.input_shape;
  const infer = (rows) => {
    const x = new ort.Tensor("float32", Float32Array.from({ length: rows * t * f }, Math.random), [rows, t, f]);
    return medianSeconds(() => session.run({ input: x }), seconds / 2);
  };
  const one = await infer(1), many = await infer(batch);
  console.log(JSON.stringify({
    impl: "onnxruntime", threads, batch,
    infer_ms: +(one * 1e3).toFixed(4), infer_samples_per_sec: +(batch / many).toFixed(1),
    max_abs_diff: diff, ort_version: require(path.join(module, "package.json")).version,
  }));
}

main().catch((e) => {
  console.error("onnxbench: " + (e && e.message || e));
  process.exit(1);
});
