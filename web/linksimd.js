// linksimd.js links the page's app.wasm (built with -tags wasmsimd) to the
// SIMD128 kernels of simd.wasm, as worker.js links the worker's: go-app's
// app.js instantiates app.wasm with WebAssembly.instantiateStreaming (or
// WebAssembly.instantiate from its bytes, where the browser lacks the
// first) and Go's import object, so this script, which runs before app.js,
// wraps both: for a Go program's import object it adds the kernels'
// import module (simd.js's LSTMSIMD) and links the kernels to the instance
// before go.run starts it. Where the browser has no SIMD128 it links the
// stand-ins, and the page predicts with the pure-Go kernels.
"use strict";

(() => {
  const simd = LSTMSIMD.compile(fetch("/web/simd.wasm")).catch(() => null);
  const wrap = (instantiate) => async (source, importObject) => {
    if (!importObject || !importObject.gojs) {
      return instantiate(source, importObject); // not a Go program
    }
    const module = await simd;
    LSTMSIMD.addImports(importObject, module);
    const result = await instantiate(source, importObject);
    LSTMSIMD.attach(module, result.instance);
    return result;
  };
  if (WebAssembly.instantiateStreaming) {
    WebAssembly.instantiateStreaming = wrap(WebAssembly.instantiateStreaming.bind(WebAssembly));
  }
  WebAssembly.instantiate = wrap(WebAssembly.instantiate.bind(WebAssembly));
})();
