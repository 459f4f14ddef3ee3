"""Writes kernels_amd64.s, the assembly kernels of package kernel.

Run from this folder: python3 gen_amd64.py (any Python 3). The kernels
are regular enough that writing them out by hand invites typos; this
generator says once what each does.

Matrix micro-kernels. Each computes the tile c[mr×nr] += a·b over kc steps, where b is a
packed panel (kc rows of nr values) and c has leading dimension ldc (in
values). The mr×kc operand a is read in place, in one of two layouts:
  - "K" (k-major): element (i, q) at a[q·lda + i]. This is a packed panel
    (lda = mr) and also a transposed matrix read as it lies in memory;
  - "N" (row-major): element (i, q) at a[i·lda + q], a plain matrix.
Per step a kernel loads the nr values of b into nr/width vector registers
and, for each of the mr rows, multiplies them by a's value broadcast from
memory, accumulating in mr·nr/width registers. The loop is unrolled twice.
Each kernel comes in mr versions, micro{ISA}{layout}{rows} for tiles of
1..mr rows, so that the rows that do not fill a whole tile cost no more
than their share.

Cell kernels (AVX-512 only). cellForwardAVX512 and cellBackwardAVX512 do
what CellForward and CellBackward do, 16 hidden units at a time, for the
first n units (n a multiple of 16); the Go functions finish the rest. Their
exp is the same as Exp's: n = round(x·log2 e), r = x − n·ln 2 in two
parts, the degree-6 Taylor polynomial of e^r, and VSCALEFPS for ·2^n.
"""

ISAS = [
    # name suffix, mr, nr, vector register prefix, floats per register
    ("AVX512", 10, 32, "Z", 16),
    ("AVX2", 6, 16, "Y", 8),
]


def kernel(isa, mr, nr, reg, width, layout, rows):
    """The kernel for the first rows ≤ mr rows of a tile."""
    mr = rows
    name = f"micro{isa}{layout}{rows}"
    nv = nr // width  # vectors per row of b
    acc = [[f"{reg}{i * nv + v}" for v in range(nv)] for i in range(mr)]
    bregs = [f"{reg}{mr * nv + v}" for v in range(nv)]
    bcast = f"{reg}{mr * nv + nv}"  # AVX2 has no embedded broadcast
    out = []
    emit = out.append
    emit(f"// func {name}(kc int, a []float32, lda int, b, c []float32, ldc int)")
    emit(f"TEXT ·{name}(SB), NOSPLIT, $0-96")
    emit("\tMOVQ kc+0(FP), CX")
    emit("\tMOVQ a_base+8(FP), SI")
    emit("\tMOVQ lda+32(FP), R8")
    emit("\tSHLQ $2, R8")  # lda in bytes
    emit("\tMOVQ b_base+40(FP), DI")
    emit("\tMOVQ c_base+64(FP), DX")
    emit("\tMOVQ ldc+88(FP), BX")
    emit("\tSHLQ $2, BX")
    if layout == "K":
        emit("\tLEAQ (SI)(R8*1), R11")  # the second unrolled step's column
        emit("\tLEAQ (R8)(R8*1), R12")  # two columns
    else:
        emit("\tLEAQ (R8)(R8*2), R9")  # 3·lda
        emit("\tLEAQ (SI)(R8*4), R10")
        emit("\tADDQ R8, R10")  # row 5
    for row in acc:
        for r in row:
            emit(f"\tVXORPS {r}, {r}, {r}")

    def a_addr(unit, i):
        if layout == "K":
            return f"{i * 4}({'SI' if unit == 0 else 'R11'})"
        base, j = ("SI", i) if i < 5 else ("R10", i - 5)
        index = ["", "(R8*1)", "(R8*2)", "(R9*1)", "(R8*4)"][j]
        return f"{unit * 4}({base}){index}"

    def step(unit):
        for v in range(nv):
            emit(f"\tVMOVUPS {(unit * nr + v * width) * 4}(DI), {bregs[v]}")
        for i in range(mr):
            if reg == "Z":
                for v in range(nv):
                    emit(f"\tVFMADD231PS.BCST {a_addr(unit, i)}, {bregs[v]}, {acc[i][v]}")
            else:
                emit(f"\tVBROADCASTSS {a_addr(unit, i)}, {bcast}")
                for v in range(nv):
                    emit(f"\tVFMADD231PS {bcast}, {bregs[v]}, {acc[i][v]}")

    def advance():
        if layout == "K":
            emit("\tADDQ R12, SI")
            emit("\tADDQ R12, R11")
        else:
            emit("\tADDQ $8, SI")
            emit("\tADDQ $8, R10")

    emit("\tCMPQ CX, $2")
    emit(f"\tJLT {name}_tail")
    emit(f"{name}_loop2:")
    step(0)
    step(1)
    advance()
    emit(f"\tADDQ ${2 * nr * 4}, DI")
    emit("\tSUBQ $2, CX")
    emit("\tCMPQ CX, $2")
    emit(f"\tJGE {name}_loop2")
    emit(f"{name}_tail:")
    emit("\tTESTQ CX, CX")
    emit(f"\tJZ {name}_store")
    step(0)
    emit(f"{name}_store:")
    for i in range(mr):
        for v in range(nv):
            emit(f"\tVADDPS {v * width * 4}(DX), {acc[i][v]}, {acc[i][v]}")
            emit(f"\tVMOVUPS {acc[i][v]}, {v * width * 4}(DX)")
        if i < mr - 1:
            emit("\tADDQ BX, DX")
    emit("\tVZEROUPPER")
    emit("\tRET")
    return "\n".join(out) + "\n"


# Constants of the cell kernels, broadcast from memory: name, float value.
CONSTS = [
    ("one", 1.0), ("two", 2.0),
    ("log2e", 1.44269504088896341), ("ln2hi", 0.693359375), ("ln2lo", -2.12194440e-4),
    ("expmax", 88.72283), ("expmin", -87.33654), ("tanhmax", 9.0), ("tanhmin", -9.0),
    ("c2", 1 / 2), ("c3", 1 / 6), ("c4", 1 / 24), ("c5", 1 / 120), ("c6", 1 / 720),
]


def const(name):
    return f"·cellConsts+{4 * [c[0] for c in CONSTS].index(name)}(SB)"


def consts_data():
    import struct
    out = []
    for i, (name, v) in enumerate(CONSTS):
        bits = struct.unpack("<I", struct.pack("<f", v))[0]
        out.append(f"DATA ·cellConsts+{4 * i}(SB)/4, $0x{bits:08x} // {name}")
    out.append(f"GLOBL ·cellConsts(SB), RODATA|NOPTR, ${4 * len(CONSTS)}")
    return "\n".join(out) + "\n"


class Cell:
    """Emits AVX-512 code for the cell kernels; Z20..Z23 are scratch."""

    def __init__(self):
        self.out = []

    def emit(self, line):
        self.out.append("\t" + line)

    def exp(self, x):
        """x = e^x, clamped like Exp."""
        e = self.emit
        e(f"VMINPS.BCST {const('expmax')}, {x}, {x}")
        e(f"VMAXPS.BCST {const('expmin')}, {x}, {x}")
        e(f"VMULPS.BCST {const('log2e')}, {x}, Z20")
        e("VRNDSCALEPS $0, Z20, Z20")  # n, rounded to nearest
        e(f"VFNMADD231PS.BCST {const('ln2hi')}, Z20, {x}")  # r = x − n·ln2hi
        e(f"VFNMADD231PS.BCST {const('ln2lo')}, Z20, {x}")  # r −= n·ln2lo
        e(f"VBROADCASTSS {const('c6')}, Z21")
        for c in ("c5", "c4", "c3", "c2", "one", "one"):
            e(f"VFMADD213PS.BCST {const(c)}, {x}, Z21")  # p = p·r + c
        e(f"VSCALEFPS Z20, Z21, {x}")

    def sigmoid(self, x):
        """x = 1/(1+e^−x)."""
        e = self.emit
        e(f"VXORPS Z22, Z22, Z22")
        e(f"VSUBPS {x}, Z22, {x}")
        self.exp(x)
        e(f"VADDPS.BCST {const('one')}, {x}, {x}")
        e(f"VBROADCASTSS {const('one')}, Z22")
        e(f"VDIVPS {x}, Z22, {x}")

    def tanh(self, x):
        """x = 1 − 2/(e^2x + 1), x clamped to ±9."""
        e = self.emit
        e(f"VMINPS.BCST {const('tanhmax')}, {x}, {x}")
        e(f"VMAXPS.BCST {const('tanhmin')}, {x}, {x}")
        e(f"VADDPS {x}, {x}, {x}")
        self.exp(x)
        e(f"VADDPS.BCST {const('one')}, {x}, {x}")
        e(f"VBROADCASTSS {const('two')}, Z22")
        e(f"VDIVPS {x}, Z22, {x}")
        e(f"VBROADCASTSS {const('one')}, Z22")
        e(f"VSUBPS {x}, Z22, {x}")


def cell_forward():
    k = Cell()
    e = k.emit
    out = ["// func cellForwardAVX512(n int, gates, bias, cPrev, c, m []float32, h int)",
           "TEXT ·cellForwardAVX512(SB), NOSPLIT, $0-136"]
    e("MOVQ n+0(FP), CX")
    e("MOVQ gates_base+8(FP), SI")
    e("MOVQ bias_base+32(FP), R11")
    e("MOVQ cPrev_base+56(FP), R8")
    e("MOVQ c_base+80(FP), R9")
    e("MOVQ m_base+104(FP), R10")
    e("MOVQ h+128(FP), BX")
    e("SHLQ $2, BX")  # one gate block in bytes
    e("LEAQ (BX)(BX*2), DX")  # three
    e("XORQ AX, AX")  # byte offset of the unit
    e("SHRQ $4, CX")
    e("JZ cellfwd_done")
    out += k.out
    k.out = []
    out.append("cellfwd_loop:")
    e("VMOVUPS (SI), Z1")  # i
    e("VMOVUPS (SI)(BX*1), Z2")  # f
    e("VMOVUPS (SI)(BX*2), Z3")  # g
    e("VMOVUPS (SI)(DX*1), Z4")  # o
    e("VADDPS (R11), Z1, Z1")
    e("VADDPS (R11)(BX*1), Z2, Z2")
    e("VADDPS (R11)(BX*2), Z3, Z3")
    e("VADDPS (R11)(DX*1), Z4, Z4")
    k.sigmoid("Z1")
    k.sigmoid("Z2")
    k.tanh("Z3")
    k.sigmoid("Z4")
    e("VMOVUPS Z1, (SI)")
    e("VMOVUPS Z2, (SI)(BX*1)")
    e("VMOVUPS Z3, (SI)(BX*2)")
    e("VMOVUPS Z4, (SI)(DX*1)")
    e("VMULPS (R8)(AX*1), Z2, Z5")  # f·cPrev
    e("VFMADD231PS Z3, Z1, Z5")  # + i·g
    e("VMOVUPS Z5, (R9)(AX*1)")
    k.tanh("Z5")
    e("VMULPS Z5, Z4, Z5")
    e("VMOVUPS Z5, (R10)(AX*1)")
    e("ADDQ $64, R11")
    e("ADDQ $64, SI")
    e("ADDQ $64, AX")
    e("DECQ CX")
    e("JNZ cellfwd_loop")
    out += k.out
    out += ["cellfwd_done:", "\tVZEROUPPER", "\tRET"]
    return "\n".join(out) + "\n"


def cell_backward():
    k = Cell()
    e = k.emit
    out = ["// func cellBackwardAVX512(n int, gates, c, cPrev, dm, dc []float32, h int)",
           "TEXT ·cellBackwardAVX512(SB), NOSPLIT, $0-136"]
    e("MOVQ n+0(FP), CX")
    e("MOVQ gates_base+8(FP), SI")
    e("MOVQ c_base+32(FP), R8")
    e("MOVQ cPrev_base+56(FP), R9")
    e("MOVQ dm_base+80(FP), R10")
    e("MOVQ dc_base+104(FP), R11")
    e("MOVQ h+128(FP), BX")
    e("SHLQ $2, BX")
    e("LEAQ (BX)(BX*2), DX")
    e("XORQ AX, AX")
    e("SHRQ $4, CX")
    e("JZ cellbwd_done")
    out += k.out
    k.out = []
    out.append("cellbwd_loop:")
    e("VMOVUPS (SI), Z1")  # i
    e("VMOVUPS (SI)(BX*1), Z2")  # f
    e("VMOVUPS (SI)(BX*2), Z3")  # g
    e("VMOVUPS (SI)(DX*1), Z4")  # o
    e("VMOVUPS (R8)(AX*1), Z5")
    k.tanh("Z5")  # tc
    e("VMOVUPS (R10)(AX*1), Z6")  # dm
    e(f"VBROADCASTSS {const('one')}, Z7")
    # d = dc + dm·o·(1 − tc²)
    e("VMOVAPS Z7, Z8")
    e("VFNMADD231PS Z5, Z5, Z8")  # 1 − tc²
    e("VMULPS Z4, Z6, Z9")  # dm·o
    e("VMULPS Z8, Z9, Z9")
    e("VADDPS (R11)(AX*1), Z9, Z9")  # d
    # do = dm·tc·o·(1 − o)
    e("VSUBPS Z4, Z7, Z10")  # 1 − o
    e("VMULPS Z10, Z4, Z10")
    e("VMULPS Z5, Z6, Z11")
    e("VMULPS Z11, Z10, Z10")
    e("VMOVUPS Z10, (SI)(DX*1)")
    # di = d·g·i·(1 − i)
    e("VSUBPS Z1, Z7, Z10")
    e("VMULPS Z10, Z1, Z10")
    e("VMULPS Z3, Z10, Z10")
    e("VMULPS Z9, Z10, Z10")
    e("VMOVUPS Z10, (SI)")
    # df = d·cPrev·f·(1 − f)
    e("VSUBPS Z2, Z7, Z10")
    e("VMULPS Z10, Z2, Z10")
    e("VMULPS (R9)(AX*1), Z10, Z10")
    e("VMULPS Z9, Z10, Z10")
    e("VMOVUPS Z10, (SI)(BX*1)")
    # dg = d·i·(1 − g²)
    e("VMOVAPS Z7, Z10")
    e("VFNMADD231PS Z3, Z3, Z10")
    e("VMULPS Z1, Z10, Z10")
    e("VMULPS Z9, Z10, Z10")
    e("VMOVUPS Z10, (SI)(BX*2)")
    # dc = d·f
    e("VMULPS Z2, Z9, Z9")
    e("VMOVUPS Z9, (R11)(AX*1)")
    e("ADDQ $64, SI")
    e("ADDQ $64, AX")
    e("DECQ CX")
    e("JNZ cellbwd_loop")
    out += k.out
    out += ["cellbwd_done:", "\tVZEROUPPER", "\tRET"]
    return "\n".join(out) + "\n"


def main():
    text = ["// Code generated by gen_amd64.py; DO NOT EDIT.", "", '#include "textflag.h"', ""]
    for isa in ISAS:
        for layout in ("K", "N"):
            for rows in range(1, isa[1] + 1):
                text.append(kernel(*isa, layout, rows))
    text += [consts_data(), cell_forward(), cell_backward()]
    with open("kernels_amd64.s", "w") as f:
        f.write("\n".join(text))
    decls = ["// Code generated by gen_amd64.py; DO NOT EDIT.", "", "package kernel", ""]
    sig = "(kc int, a []float32, lda int, b, c []float32, ldc int)"
    for isa, mr, *_ in ISAS:
        for layout in ("K", "N"):
            names = [f"micro{isa}{layout}{r}" for r in range(1, mr + 1)]
            for n in names:
                decls += ["//go:noescape", f"func {n}{sig}", ""]
            decls.append(f"// micro{isa}{layout} lists the {layout}-layout kernels by number of rows, 1 to {mr}.")
            decls.append(f"var micro{isa}{layout} = []microFunc{{{', '.join(names)}}}")
            decls.append("")
    with open("micro_amd64.go", "w") as f:
        f.write("\n".join(decls))


if __name__ == "__main__":
    main()
