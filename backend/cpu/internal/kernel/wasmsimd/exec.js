// exec.js runs a Go program built for js/wasm with -tags wasmsimd in Node,
// with the SIMD kernels of simd.wasm linked to it by simd.js (or, with
// LSTMSIMD_OFF set, the stand-ins of an engine without SIMD128); it is what
// Go's wasm_exec_node.js does, plus those links. go_js_wasm_exec beside it
// calls it: node exec.js <folder of wasm_exec.js> <binary> [arguments].
"use strict";

globalThis.require = require;
globalThis.fs = require("fs");
globalThis.path = require("path");
globalThis.TextEncoder = require("util").TextEncoder;
globalThis.TextDecoder = require("util").TextDecoder;
globalThis.performance ??= require("perf_hooks").performance;
globalThis.crypto ??= require("crypto");

const [wasmExecDir, binary] = process.argv.slice(2);
require(path.join(wasmExecDir, "wasm_exec.js"));
const LSTMSIMD = require("./simd.js");

(async () => {
	const go = new Go();
	go.argv = process.argv.slice(3);
	go.env = Object.assign({ TMPDIR: require("os").tmpdir() }, process.env);
	go.exit = process.exit;
	// LSTMSIMD_OFF=1 links the stand-ins instead, as in an engine with no
	// SIMD128: the program then computes with its pure-Go kernels.
	const simd = process.env.LSTMSIMD_OFF ? null : await LSTMSIMD.compile(fs.readFileSync(path.join(__dirname, "simd.wasm")));
	LSTMSIMD.addImports(go.importObject, simd);
	const { instance } = await WebAssembly.instantiate(fs.readFileSync(binary), go.importObject);
	LSTMSIMD.attach(simd, instance);
	process.on("exit", (code) => { // Node exits when no event is pending
		if (code === 0 && !go.exited) {
			// A deadlock: make Go print the error and the stacks.
			go._pendingEvent = { id: 0 };
			go._resume();
		}
	});
	await go.run(instance);
})().catch((err) => {
	console.error(err);
	process.exit(1);
});
