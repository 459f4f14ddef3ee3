package wasmsimd

import "slices"

// This file is a minimal WebAssembly binary encoder: enough of the format
// (https://webassembly.github.io/spec/core/binary/) for a module that
// imports one memory and exports functions over i32 and v128 values.

// valType is a WebAssembly value type.
type valType byte

const (
	i32  valType = 0x7f
	v128 valType = 0x7b
)

// Opcodes used by the kernels. SIMD instructions are 0xfd followed by
// their number as an unsigned LEB128.
const (
	opBlock    = 0x02
	opLoop     = 0x03
	opIf       = 0x04
	opEnd      = 0x0b
	opBr       = 0x0c
	opBrIf     = 0x0d
	opCall     = 0x10
	opLocalGet = 0x20
	opLocalSet = 0x21
	opLocalTee = 0x22
	opI32Const = 0x41
	opI32Eq    = 0x46
	opI32LtU   = 0x49
	opI32Add   = 0x6a
	opI32Sub   = 0x6b
	opI32Mul   = 0x6c
	opI32Shl   = 0x74
	blockEmpty = 0x40

	simdPrefix       = 0xfd
	simdLoad         = 0x00
	simdLoad32Splat  = 0x09
	simdStore        = 0x0b
	simdF32x4Add     = 0xe4
	simdF32x4Mul     = 0xe6
	simdF32x4RelMadd = 0x105 // relaxed SIMD: a·b + c, fused or not
)

// uleb appends v as an unsigned LEB128.
func uleb(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// sleb appends v as a signed LEB128.
func sleb(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// name appends a length-prefixed UTF-8 string.
func name(b []byte, s string) []byte { return append(uleb(b, uint32(len(s))), s...) }

// function is a function being written: its signature, its locals (after
// the parameters in the index space) and its body.
type function struct {
	export string // the name it is exported under, or ""
	params []valType
	locals []valType
	code   []byte
}

// newFunction returns a function of n i32 parameters, numbered 0 to n−1.
func newFunction(export string, n int) *function {
	return &function{export: export, params: slices.Repeat([]valType{i32}, n)}
}

// local adds a local of type t and returns its index.
func (f *function) local(t valType) uint32 {
	f.locals = append(f.locals, t)
	return uint32(len(f.params) + len(f.locals) - 1)
}

func (f *function) op(op byte) { f.code = append(f.code, op) }

// opIdx appends an instruction with one index immediate.
func (f *function) opIdx(op byte, i uint32) { f.code = uleb(append(f.code, op), i) }

func (f *function) get(l uint32) { f.opIdx(opLocalGet, l) }
func (f *function) set(l uint32) { f.opIdx(opLocalSet, l) }
func (f *function) tee(l uint32) { f.opIdx(opLocalTee, l) }
func (f *function) i32(v int32)  { f.code = sleb(append(f.code, opI32Const), v) }

// block, loop and ifThen open structured instructions without results;
// end closes the innermost one.
func (f *function) block()  { f.code = append(f.code, opBlock, blockEmpty) }
func (f *function) loop()   { f.code = append(f.code, opLoop, blockEmpty) }
func (f *function) ifThen() { f.code = append(f.code, opIf, blockEmpty) }
func (f *function) end()    { f.op(opEnd) }

// simd appends a SIMD instruction without immediates.
func (f *function) simd(op uint32) { f.code = uleb(append(f.code, simdPrefix), op) }

// simdMem appends a SIMD memory instruction with a constant byte offset.
// The alignment hint is 4 bytes: Go's float32 slices promise no more.
func (f *function) simdMem(op, offset uint32) {
	f.simd(op)
	f.code = uleb(uleb(f.code, 2), offset)
}

// addTo emits l += v for the i32 local l and a constant v.
func (f *function) addTo(l uint32, v int32) {
	f.get(l)
	f.i32(v)
	f.op(opI32Add)
	f.set(l)
}

// loopDown ends a loop that counts the i32 local l down by v: l -= v,
// and back to the loop's start while l is not zero.
func (f *function) loopDown(l uint32, v int) {
	f.get(l)
	f.i32(int32(v))
	f.op(opI32Sub)
	f.tee(l)
	f.opIdx(opBrIf, 0)
	f.end()
}

// addLocal emits l += m for i32 locals l and m.
func (f *function) addLocal(l, m uint32) {
	f.get(l)
	f.get(m)
	f.op(opI32Add)
	f.set(l)
}

// body returns the function's entry in the code section: its locals,
// grouped in runs of one type, and its instructions.
func (f *function) body() []byte {
	var runs []byte
	n := 0
	for i := 0; i < len(f.locals); {
		j := i
		for j < len(f.locals) && f.locals[j] == f.locals[i] {
			j++
		}
		runs = append(uleb(runs, uint32(j-i)), byte(f.locals[i]))
		n++
		i = j
	}
	b := append(uleb(nil, uint32(n)), runs...)
	b = append(append(b, f.code...), opEnd)
	return append(uleb(nil, uint32(len(b))), b...)
}

// signature returns the function's type as the type section writes it.
func (f *function) signature() string {
	b := uleb([]byte{0x60}, uint32(len(f.params)))
	for _, p := range f.params {
		b = append(b, byte(p))
	}
	return string(append(b, 0)) // no results
}

// custom is a custom section: a name and bytes the engine ignores.
type custom struct {
	name string
	data []byte
}

// encode returns the binary of a module that imports its memory as
// env.mem and holds funcs (numbered in order) and the custom sections.
func encode(funcs []*function, customs ...custom) []byte {
	var types []string
	typeOf := make([]uint32, len(funcs))
	for i, f := range funcs {
		s := f.signature()
		j := slices.Index(types, s)
		if j < 0 {
			j = len(types)
			types = append(types, s)
		}
		typeOf[i] = uint32(j)
	}
	mod := []byte("\x00asm\x01\x00\x00\x00")
	section := func(id byte, content []byte) {
		mod = append(uleb(append(mod, id), uint32(len(content))), content...)
	}

	b := uleb(nil, uint32(len(types)))
	for _, t := range types {
		b = append(b, t...)
	}
	section(1, b)

	b = uleb(nil, 1)
	b = name(name(b, "env"), "mem")
	b = append(b, 0x02, 0x00, 0x00) // memory, limits: at least 0 pages, no maximum
	section(2, b)

	b = uleb(nil, uint32(len(funcs)))
	for _, t := range typeOf {
		b = uleb(b, t)
	}
	section(3, b)

	var exports []byte
	n := 0
	for i, f := range funcs {
		if f.export != "" {
			exports = uleb(append(name(exports, f.export), 0x00), uint32(i)) // a function
			n++
		}
	}
	section(7, append(uleb(nil, uint32(n)), exports...))

	b = uleb(nil, uint32(len(funcs)))
	for _, f := range funcs {
		b = append(b, f.body()...)
	}
	section(10, b)

	for _, c := range customs {
		section(0, append(name(nil, c.name), c.data...))
	}
	return mod
}
