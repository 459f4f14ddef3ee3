// measure.js: what the ONNX Runtime anchors share, in Node (bench.js,
// require) and in the browser (tools/tfjsbench/ort.html, a classic script
// that defines the global onnxMeasure): the median, a timing loop, and the
// check of an ONNX session's logits against PyTorch's (check.json of
// tools/onnx_export.py). `ort` is onnxruntime-node's or onnxruntime-web's
// module; both have the same InferenceSession and Tensor.
"use strict";

(function (exports) {
  // TOLERANCE is the largest difference from PyTorch's logits accepted.
  exports.TOLERANCE = 1e-5;

  exports.median = function median(a) {
    const s = [...a].sort((x, y) => x - y), n = s.length;
    return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  };

  // medianSeconds calls the async f 10 times untimed, then times it until
  // `seconds` pass (at least 5 calls), and returns the median in seconds.
  exports.medianSeconds = async function medianSeconds(f, seconds) {
    for (let i = 0; i < 10; i++) await f();
    const times = [], start = performance.now();
    while (times.length < 5 || performance.now() - start < seconds * 1000) {
      const t0 = performance.now();
      await f();
      times.push((performance.now() - t0) / 1000);
    }
    return exports.median(times);
  };

  // maxDiff runs the check's digits through the session (input "input"
  // [B, T, F], output "logits") as one batch, one at a time, and as the
  // first rows of a batch of `batch`; it returns the largest absolute
  // difference from PyTorch's logits.
  exports.maxDiff = async function maxDiff(ort, session, check, batch) {
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
  };

  // inference checks the session against PyTorch (throwing beyond
  // TOLERANCE), then times one random digit and a batch of `batch`, each
  // for `seconds`: {infer_ms, infer_samples_per_sec, max_abs_diff}.
  exports.inference = async function inference(ort, session, check, batch, seconds) {
    const diff = await exports.maxDiff(ort, session, check, batch);
    if (!(diff <= exports.TOLERANCE)) {
      throw new Error(`ONNX Runtime's logits differ from PyTorch's by ${diff}, more than ${exports.TOLERANCE}`);
    }
    const [, t, f] = check.input_shape;
    const time = (rows) => {
      const x = new ort.Tensor("float32", Float32Array.from({ length: rows * t * f }, Math.random), [rows, t, f]);
      return exports.medianSeconds(() => session.run({ input: x }), seconds);
    };
    const one = await time(1), many = await time(batch);
    return { infer_ms: +(one * 1e3).toFixed(4), infer_samples_per_sec: +(batch / many).toFixed(1), max_abs_diff: diff };
  };
})(typeof module !== "undefined" ? module.exports : (self.onnxMeasure = {}));
