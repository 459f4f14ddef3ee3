// The web app's training worker: it runs worker.wasm (Go package
// wasm/worker), which trains the LSTM off the page's thread, its matrix
// products and cells computed by the SIMD128 kernels of simd.wasm (loaded
// by simd.js, package backend/cpu/internal/kernel/wasmsimd), or by Go's
// own where the browser has no SIMD128. It stores each
// model it sends the page in IndexedDB itself (store.js), which keeps that
// copy off the page's thread. Messages that
// arrive while the wasm loads wait in a queue and are handed over, in
// order, once Go is ready.
"use strict";
importScripts("/wasm_exec.js", "/web/simd.js", "/web/store.js", "/web/data.js");

const early = [];
self.onmessage = (e) => early.push(e);

// Go calls this with its message handler once it runs.
self.lstmWorkerReady = (handle) => {
  self.onmessage = handle;
  for (const e of early.splice(0)) handle(e);
};

(async () => {
  try {
    const go = new Go();
    // Without SIMD128 the stand-ins are linked and Go trains with its
    // pure-Go kernels, slower (the page says so).
    const simd = await LSTMSIMD.compile(fetch("/web/simd.wasm")).catch(() => null);
    LSTMSIMD.addImports(go.importObject, simd);
    const { instance } = await WebAssembly.instantiateStreaming(fetch("/web/worker.wasm"), go.importObject);
    LSTMSIMD.attach(simd, instance);
    go.run(instance);
  } catch (err) {
    self.postMessage({ type: "error", message: "the training worker did not start: " + err });
  }
})();
