// LSTMSIMD links simd.wasm, the SIMD128 matrix kernels, to a Go program
// built for js/wasm with -tags wasmsimd, which imports them through
// //go:wasmimport. The kernels run on the Go instance's own memory, so the
// module can only be instantiated after the Go instance exists: the Go
// imports are trampolines that call the kernels once attached.
//
//	importScripts('wasm_exec.js', 'simd.js'); // or require('./simd.js') in Node
//	const go = new Go();
//	const simd = await LSTMSIMD.compile(bytesOrResponse).catch(() => null);
//	LSTMSIMD.addImports(go.importObject, simd);
//	const { instance } = await WebAssembly.instantiate(goModuleBytes, go.importObject);
//	LSTMSIMD.attach(simd, instance);
//	go.run(instance);
//
// Where the engine has no SIMD128, compile fails; addImports and attach
// with no module (null) link stand-ins, and the Go side, told so by the
// import linked, computes with its pure-Go kernels instead.
"use strict";

(() => {
	// The import module named by the Go side's //go:wasmimport directives.
	const importModule = "lstmsimd";
	// The custom section holding the relaxed-SIMD variant of the module
	// (wasmsimd.RelaxedSection).
	const relaxedSection = "lstm.relaxed";
	// The kernels of each module, filled in by attach.
	const linked = new WeakMap();

	const LSTMSIMD = {
		// compile returns the kernels' WebAssembly.Module from the bytes of
		// simd.wasm (an ArrayBuffer, a typed array, or a fetch Response or
		// its promise): the relaxed-SIMD variant (fused multiply-adds) where
		// the engine supports it, the plain SIMD128 one otherwise.
		async compile(source) {
			source = await source;
			const isResponse = typeof Response !== "undefined" && source instanceof Response;
			const bytes = isResponse ? await source.arrayBuffer() : source;
			const plain = await WebAssembly.compile(bytes);
			const relaxed = WebAssembly.Module.customSections(plain, relaxedSection)[0];
			if (relaxed !== undefined && WebAssembly.validate(relaxed)) {
				return WebAssembly.compile(relaxed);
			}
			return plain;
		},

		// relaxed reports whether module, from compile, is the relaxed-SIMD
		// variant (only the plain one carries the other in a section).
		relaxed(module) {
			return WebAssembly.Module.customSections(module, relaxedSection).length === 0;
		},

		// addImports adds to importObject the import module of the Go
		// program: one trampoline for each function module exports, which
		// calls that function once attach has linked it. (A trampoline
		// passes nine arguments, the most a kernel takes, the dot kernels;
		// a call costs about 40 ns in V8.)
		//
		// With no module (null: the engine has no SIMD128), the import
		// module holds stand-ins: linked returns 0, which tells the Go side
		// to use its own kernels, and any other import throws if called.
		// (A Proxy, since without the module the names are not known.)
		addImports(importObject, module) {
			if (!module) {
				importObject[importModule] = new Proxy({}, {
					get: (_, name) => name === "linked" ? () => 0 : () => {
						throw new Error("LSTMSIMD: " + String(name) + " called, but no SIMD128 kernels are linked");
					},
				});
				return;
			}
			const fns = {};
			linked.set(module, fns);
			const imports = { linked: () => 1 };
			for (const { name, kind } of WebAssembly.Module.exports(module)) {
				if (kind === "function") {
					imports[name] = (a, b, c, d, e, f, g, h, i) => fns[name](a, b, c, d, e, f, g, h, i);
				}
			}
			importObject[importModule] = imports;
		},

		// attach instantiates module on the memory the Go instance exports
		// and links the trampolines added by addImports to it; with no
		// module it does nothing.
		attach(module, goInstance) {
			if (!module) {
				return; // stand-ins: nothing to link
			}
			const fns = linked.get(module);
			if (fns === undefined) {
				throw new Error("LSTMSIMD.attach: addImports was not called with this module");
			}
			const kernels = new WebAssembly.Instance(module, { env: { mem: goInstance.exports.mem } });
			Object.assign(fns, kernels.exports);
		},
	};

	globalThis.LSTMSIMD = LSTMSIMD;
	if (typeof module !== "undefined") {
		module.exports = LSTMSIMD;
	}
})();
