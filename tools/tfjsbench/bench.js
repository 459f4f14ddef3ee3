// tfjsbench: the browser's anchors for our model, in one page load.
// Training: the seed model's throughput (LSTM hidden 128, 2 layers, dense
// 10, batch 100, Adam 1e-3) in TensorFlow.js's wasm, webgl and cpu
// backends, then ours: the web app's own training workers (web/worker.js
// running worker.wasm with the SIMD128 kernels), one worker and then one
// per core (navigator.hardwareConcurrency, at most 4; the page's default
// leaves a core to the page: one fewer, at least 1).
// Inference, in alternating rounds: ONNX Runtime Web's wasm backend on the
// shipped model exported to ONNX (ort.html, a fresh frame per run: 1 thread,
// and 2 when the page is cross-origin isolated), and our page itself (the
// web app from digits export-static, in a frame at /): its Example button
// pressed and cleared again, each time reading the page's own figure of
// one prediction (inference-ms, the time of Classifier.Logits in the
// page, as a visitor's drawing is predicted).
// Every result is a console line starting "tfjsbench:"; the last one
// is "tfjsbench: done" (or "tfjsbench: error: ...").
// URL parameters: warm=N (warm-up steps per backend, default 2),
// steps=wasm:N,webgl:N,cpu:N (timed steps), backends=wasm,webgl,cpu (none:
// backends=), tfjsthreads=1 (TF.js's threaded wasm), ours=0, oursteps=N
// (our timed steps, default 20), rounds=N (inference rounds, default 3; 0
// for none), ortseconds=S (each ONNX Runtime timing, default 3), page=0
// (ONNX Runtime Web only), pagepreds=N (the page's predictions per round,
// default 30), minutes=M (then also train the seed model from scratch in
// our workers on the app's 10,000 MNIST images for M minutes, stop, and
// report the test accuracy on its 2,000).
"use strict";

const out = document.getElementById("out");
const origLog = console.log.bind(console);
console.log = (...args) => {
  const s = args.join(" ");
  out.textContent += "\n" + s;
  origLog(s);
};
const say = (s) => console.log("tfjsbench: " + s);

const params = new URLSearchParams(location.search);
const warm = +(params.get("warm") || 2);
const steps = { wasm: 7, webgl: 4, cpu: 3 };
for (const kv of (params.get("steps") || "").split(",").filter(Boolean)) {
  const [k, v] = kv.split(":");
  steps[k] = +v;
}
const backends = (params.get("backends") ?? "wasm,webgl,cpu").split(",").filter(Boolean);
const B = 100, T = 28, D = 28, H = 128, C = 10;

const { median } = onnxMeasure;

function seedModel() {
  const m = tf.sequential();
  m.add(tf.layers.lstm({ units: H, returnSequences: true, inputShape: [T, D] }));
  m.add(tf.layers.lstm({ units: H }));
  m.add(tf.layers.dense({ units: C, activation: "softmax" }));
  m.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  return m;
}

async function benchBackend(name) {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error("setBackend(" + name + ") failed");
  await tf.ready();
  let info = "";
  if (name === "wasm") {
    const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    const mt = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
    const files = performance.getEntriesByType("resource")
      .map((e) => e.name.split("/").pop()).filter((f) => f.endsWith(".wasm") && f.startsWith("tfjs"));
    info = `SIMD ${simd}, threads ${mt} (crossOriginIsolated ${self.crossOriginIsolated}), loaded ${files.join(" ") || "?"}`;
  } else if (name === "webgl") {
    const gl = tf.backend().gpgpu && tf.backend().gpgpu.gl;
    let r = "?";
    if (gl) {
      const ext = gl.getExtension("WEBGL_debug_renderer_info");
      r = ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    }
    info = `WebGL ${tf.env().get("WEBGL_VERSION")}, renderer ${r}`;
  }
  if (info) say(`${name}: ${info}`);

  const model = seedModel();
  const x = tf.randomUniform([B, T, D], -0.5, 0.5);
  const y = tf.oneHot(tf.randomUniform([B], 0, C, "int32"), C);
  const times = [];
  let loss = NaN;
  for (let i = 0; i < warm + steps[name]; i++) {
    const t0 = performance.now();
    loss = await model.trainOnBatch(x, y); // resolves once the loss is read back
    const dt = (performance.now() - t0) / 1000;
    if (i >= warm) times.push(dt);
  }
  model.dispose(); x.dispose(); y.dispose();
  const rates = times.map((t) => B / t);
  const med = B / median(times);
  say(`tfjs ${name}: training, batch 100: ${med.toFixed(1)} samples/s (median of ${times.length} steps after ${warm} warm-up, range ${Math.min(...rates).toFixed(1)}-${Math.max(...rates).toFixed(1)}), loss ${(+loss).toFixed(3)}`);
  return med;
}

// train runs a training of the seed model from scratch (settings: what
// differs from the seed's) in n of the app's workers, as the page does: the
// first the leader, the others its replicas. It calls onReport with each
// report; onReport returns a result to end the run with, or undefined.
// After seconds (if given) it asks the leader to stop; the run's "done"
// ends it with onDone's result.
function train(n, settings, onReport, onDone, seconds) {
  settings = {
    from_scratch: true, hidden: H, layers: 2, lr: 1e-3, batch: B, own_repeats: 0, workers: n, seed: 1, ...settings,
  };
  return new Promise((resolve, reject) => {
    const workers = [], peers = [];
    for (let i = 0; i < n; i++) workers.push(new Worker("/web/worker.js"));
    const end = (f, v) => { workers.forEach((w) => w.terminate()); f(v); };
    for (const w of workers.slice(1)) {
      const ch = new MessageChannel();
      peers.push(ch.port1);
      w.postMessage({ type: "replica", port: ch.port2 }, [ch.port2]);
    }
    workers[0].onmessage = (e) => {
      const m = e.data;
      if (m.type === "error") {
        end(reject, new Error(m.message));
      } else if (m.type === "report") {
        const r = onReport(JSON.parse(m.report));
        if (r !== undefined) end(resolve, r);
      } else if (m.type === "done") {
        end(resolve, onDone());
      }
    };
    workers.forEach((w) => (w.onerror = (e) => end(reject, new Error(e.message))));
    workers[0].postMessage({ type: "train", settings: JSON.stringify(settings), model: null, own: null, peers }, peers);
    if (seconds) setTimeout(() => workers[0].postMessage({ type: "stop" }), seconds * 1000);
  });
}

// runOurs returns the samples per second of n workers over the timed
// steps, after 3 warm-up steps.
function runOurs(n) {
  const timed = +(params.get("oursteps") || 20), warmUp = 3;
  const times = [];
  return train(n, { epochs: 1, train_images: B * (warmUp + timed + 1), test_images: 100 }, (r) => {
    if (!r.step) return undefined;
    times.push(performance.now());
    if (times.length < warmUp + timed + 1) return undefined;
    return (timed * B) / ((times[times.length - 1] - times[warmUp]) / 1000);
  }, () => { throw new Error("the run ended before the timed steps"); });
}

// trainFor trains with the seed's settings on the 10,000 images, as the
// page's Start does from scratch, in n workers for the given seconds, then
// stops the run and returns its steps and epochs (the last one evaluated
// when stopped, on the 2,000 test images).
function trainFor(n, seconds) {
  let steps = 0;
  const epochs = [], t0 = performance.now();
  return train(n, { epochs: 20, train_images: 10000, test_images: 2000 }, (r) => {
    if (r.step) steps++;
    if (r.epoch) epochs.push(r.epoch);
    return undefined;
  }, () => ({ steps, epochs, seconds: (performance.now() - t0) / 1000 }), seconds);
}

// frame loads url in a frame of this page and resolves with the first
// message it posts (rejecting on {error}), then removes the frame.
function frame(url) {
  return new Promise((resolve, reject) => {
    const f = document.createElement("iframe");
    f.width = f.height = 900;
    const onMessage = (e) => {
      if (e.source !== f.contentWindow) return;
      window.removeEventListener("message", onMessage);
      f.remove();
      if (e.data.error) reject(new Error(e.data.error));
      else resolve(e.data);
    };
    window.addEventListener("message", onMessage);
    f.src = url;
    document.body.appendChild(f);
  });
}

// until resolves with cond()'s first truthy value, polled every
// millisecond, or rejects after ms milliseconds.
function until(what, cond, ms = 20000) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const poll = () => {
      const v = cond();
      if (v) resolve(v);
      else if (performance.now() - t0 > ms) reject(new Error("timed out waiting for " + what));
      else setTimeout(poll, 1);
    };
    poll();
  });
}

// openPage loads the web app in a frame and resolves with a function that
// returns the page's time of n predictions (ms, each read from its
// inference-ms figure after Clear, then Example).
async function openPage() {
  const f = document.createElement("iframe");
  f.width = f.height = 900;
  f.src = "/";
  document.body.appendChild(f);
  const doc = () => f.contentDocument;
  const el = (id) => doc() && doc().querySelector(`[data-testid="${id}"]`);
  await until("the web app's model", () => doc() && !doc().getElementById("app-wasm-loader") && el("model-info"), 60000);
  const ms = () => el("inference-ms") ? el("inference-ms").textContent.trim() : "";
  return async (n) => {
    const times = [];
    for (let i = 0; i < n; i++) {
      el("clear-button").click();
      await until("Clear", () => ms() === "");
      el("example-button").click();
      times.push(+(await until("a prediction", ms)));
    }
    return times;
  };
}

const spread = (v, digits) => `${median(v).toFixed(digits)} (${Math.min(...v).toFixed(digits)}-${Math.max(...v).toFixed(digits)})`;

// inferenceRounds runs the inference anchors in alternating rounds and
// says each result, then the medians and ranges over the rounds.
async function inferenceRounds(rounds) {
  if (!(rounds > 0)) return;
  const threads = self.crossOriginIsolated ? [1, 2] : [1];
  if (!self.crossOriginIsolated) say("onnxruntime-web: not cross-origin isolated, so 1 thread only");
  const seconds = +(params.get("ortseconds") || 3), preds = +(params.get("pagepreds") || 30);
  const ort = Object.fromEntries(threads.map((t) => [t, []]));
  const page = [];
  let predict, version = "?";
  for (let r = 1; r <= rounds; r++) {
    for (const t of threads) {
      const { ort: o } = await frame(`ort.html?threads=${t}&seconds=${seconds}`);
      version = o.version;
      ort[t].push(o);
      say(`round ${r}: onnxruntime-web ${o.version} wasm, ${t} thread(s): one digit ${o.infer_ms.toFixed(3)} ms (median), ` +
        `batch 100 ${o.infer_samples_per_sec.toFixed(0)} samples/s; logits within ${o.max_abs_diff.toExponential(1)} of PyTorch's`);
    }
    if (params.get("page") !== "0") {
      predict = predict || await openPage();
      const times = await predict(preds);
      page.push(median(times));
      say(`round ${r}: our page (web app, inference-ms): one digit ${median(times).toFixed(2)} ms (median of ${times.length}, range ${Math.min(...times).toFixed(2)}-${Math.max(...times).toFixed(2)})`);
    }
  }
  for (const t of threads) {
    const o = ort[t];
    say(`summary, ${rounds} round(s), medians (ranges): onnxruntime-web ${version} wasm, ${t} thread(s): ` +
      `one digit ${spread(o.map((x) => x.infer_ms), 3)} ms, batch 100 ${spread(o.map((x) => x.infer_samples_per_sec), 0)} samples/s`);
  }
  if (page.length) {
    const best = Math.min(...threads.map((t) => median(ort[t].map((x) => x.infer_ms))));
    say(`summary, ${rounds} round(s): our page, one digit ${spread(page, 2)} ms; ` +
      `ratio onnxruntime-web's best one-digit median / ours: ${(best / median(page)).toFixed(2)}x (above 1: ours is faster)`);
  }
}

(async () => {
  say(`${navigator.userAgent}; tfjs ${tf.version.tfjs}, cores ${navigator.hardwareConcurrency}`);
  tf.wasm.setWasmPaths("node_modules/@tensorflow/tfjs-backend-wasm/dist/");
  // The page is cross-origin isolated (for ONNX Runtime Web's threads), so
  // TF.js would pick its threaded wasm, which trains the seed model no
  // faster here (23-26 samples/s against 28-31 for its SIMD build, 2 shared
  // cores, 2026-12-02): unless tfjsthreads=1, it keeps the build it runs
  // without isolation, the one earlier figures were taken with.
  if (params.get("tfjsthreads") !== "1") tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  const results = {};
  for (const b of backends) {
    try {
      results[b] = await benchBackend(b);
    } catch (e) {
      say(`tfjs ${b}: failed: ${e && e.message || e}`);
    }
  }
  let ours = NaN;
  if (params.get("ours") !== "0") {
    const n = Math.min(Math.max(navigator.hardwareConcurrency || 1, 1), 4);
    for (const w of n > 1 ? [1, n] : [1]) {
      const r = await runOurs(w);
      say(`ours (the app's workers, SIMD128): training, batch 100, ${w} worker(s): ${r.toFixed(1)} samples/s`);
      ours = Math.max(r, ours || 0);
    }
  }
  await inferenceRounds(+(params.get("rounds") ?? 3));
  const minutes = +(params.get("minutes") || 0);
  if (minutes > 0) {
    const n = Math.min(Math.max(navigator.hardwareConcurrency || 1, 1), 4);
    const r = await trainFor(n, minutes * 60);
    const last = r.epochs[r.epochs.length - 1];
    say(`ours, ${minutes} minute(s) of training from scratch in ${n} worker(s), seed settings on 10,000 images: ` +
      `${r.steps} steps (${(r.steps * B / r.seconds).toFixed(0)} samples/s with the evaluations), ` +
      `${r.epochs.filter((e) => !e.stopped).length} whole epoch(s); test accuracy ${(100 * last.test_accuracy).toFixed(2)}% on 2,000 images` +
      ` (after each epoch: ${r.epochs.map((e) => (100 * e.test_accuracy).toFixed(2) + "%").join(", ")})`);
  }
  const best = Object.entries(results).sort((a, b) => b[1] - a[1])[0];
  if (best && ours > 0) {
    say(`ratio ours / best tfjs (${best[0]}, ${best[1].toFixed(1)} samples/s): ${(ours / best[1]).toFixed(2)}x`);
  }
  say("done");
})().catch((e) => say("error: " + (e && e.stack || e).toString().replace(/\n/g, " | ")));
