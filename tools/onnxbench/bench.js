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
// every graph optimisation). First the check (measure.js): the logits of
// check.json's digits, as one batch, one by one and inside a batch of
// --batch, must be within 1e-5 of PyTorch's (the worst difference is
// reported). Then, on random digits, the median time of one digit and of a
// batch of --batch (each for half of --seconds, after 10 untimed runs).
// Prints one JSON line, as `digits bench --json` does:
// {"impl","threads","batch","infer_ms","infer_samples_per_sec","max_abs_diff","ort_version"};
// an error is one line on stderr and exit status 1.
"use strict";

const fs = require("fs");
const path = require("path");
const { parseArgs } = require("util");

const { inference } = require("./measure.js");

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
  const r = await inference(ort, session, check, batch, seconds / 2);
  console.log(JSON.stringify({
    impl: "onnxruntime", threads, batch, ...r, ort_version: require(path.join(module, "package.json")).version,
  }));
}

main().catch((e) => {
  console.error("onnxbench: " + (e && e.message || e));
  process.exit(1);
});
