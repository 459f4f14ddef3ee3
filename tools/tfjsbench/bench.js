// tfjsbench: training throughput of the seed model (LSTM hidden 128, 2
// layers, dense 10, batch 100, Adam 1e-3) in TensorFlow.js's wasm, webgl and
// cpu backends, then ours (tools/wasmbench's js/wasm build), in one page load.
// Every result is a console line starting "tfjsbench:"; the last one is
// "tfjsbench: done" (or "tfjsbench: error: ...").
// URL parameters: warm=N (warm-up steps per backend, default 2),
// steps=wasm:N,webgl:N,cpu:N (timed steps), backends=wasm,webgl,cpu, ours=0.
"use strict";

const out = document.getElementById("out");
const origLog = console.log.bind(console);
const goLines = [];
console.log = (...args) => {
  const s = args.join(" ");
  if (s.startsWith("wasmbench:")) goLines.push(s);
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
const backends = (params.get("backends") || "wasm,webgl,cpu").split(",").filter(Boolean);
const B = 100, T = 28, D = 28, H = 128, C = 10;

function median(a) {
  const s = [...a].sort((x, y) => x - y), n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

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

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error("cannot load " + src));
    document.head.appendChild(s);
  });
}

async function runOurs() {
  await loadScript("wasm_exec.js");
  const go = new Go();
  const bytes = await (await fetch("wasmbench.wasm")).arrayBuffer();
  const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
  await go.run(instance); // resolves when main returns; output arrives through console.log
  const line = goLines.find((l) => l.startsWith("wasmbench: training, batch 100:"));
  const m = line && line.match(/([0-9.]+) samples\/s/);
  if (!m) throw new Error("no training line from wasmbench");
  return +m[1];
}

(async () => {
  say(`${navigator.userAgent}; tfjs ${tf.version.tfjs}, cores ${navigator.hardwareConcurrency}`);
  tf.wasm.setWasmPaths("node_modules/@tensorflow/tfjs-backend-wasm/dist/");
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
    ours = await runOurs();
    say(`ours (Go js/wasm): training, batch 100: ${ours.toFixed(1)} samples/s (wasmbench, same page)`);
  }
  const best = Object.entries(results).sort((a, b) => b[1] - a[1])[0];
  if (best && ours > 0) {
    say(`ratio ours / best tfjs (${best[0]}, ${best[1].toFixed(1)} samples/s): ${(ours / best[1]).toFixed(2)}x`);
  }
  say("done");
})().catch((e) => say("error: " + (e && e.stack || e).toString().replace(/\n/g, " | ")));
