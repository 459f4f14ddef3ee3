"""Writes kernels_arm64.s, the NEON kernels of package kernel for arm64.

Run from this folder: python3 gen_arm64.py (any Python 3). The kernels do
what gen_amd64.py's do, in 128-bit NEON registers (4 floats), for arm64
CPUs (Apple silicon, Graviton, Ampere), all of which have NEON.

Matrix micro-kernels. microNEON{layout}{rows} computes the tile
c[rows×16] += a·b over kc steps, b a packed panel of 16 columns, a read in
place in layout "K" (element (i, q) at a[q·lda + i]) or "N" (at
a[i·lda + q]). Per step it loads the panel's row into four registers and,
for each row of the tile, a's value replicated into a fifth (LD1R), and
multiplies them into the row's four accumulators (FMLA): 24 accumulators
for 6 rows, of the 32 registers.

Cell kernels. cellForwardNEON and cellBackwardNEON do what CellForward
and CellBackward do, 4 units at a time, for the first n units (n a
multiple of 4). Every constant lives in a register of its own (V16 up),
so the arithmetic is that of the AVX2 kernels with nothing reloaded: exp
by n = round(x·log2 e) (FRINTN, to nearest even, as VROUNDPS), r = x − n·ln 2
in two parts, the degree-6 Taylor polynomial by fused multiply-adds, and
2^n as n + 127 in the exponent bits.

Go's arm64 assembler has no floating-point vector arithmetic but FMLA and
FMLS, so FADD, FSUB, FMUL, FDIV, FMIN, FMAX, FNEG, FRINTN and FCVTZS are
written as WORDs, encoded by fp() below from the Arm architecture's
tables (all of them the 4S arrangement, Q = 1).
"""

from gen_amd64 import consts_data, micro_decls

MR, NR = 6, 16

# Encodings of the vector instructions Go's assembler lacks, less their
# register fields: three-register (Rm at 16, Rn at 5, Rd at 0) or
# two-register (Rn, Rd) forms.
FP3 = {"FADD": 0x4E20D400, "FSUB": 0x4EA0D400, "FMUL": 0x6E20DC00, "FDIV": 0x6E20FC00,
       "FMAX": 0x4E20F400, "FMIN": 0x4EA0F400}
FP2 = {"FNEG": 0x6EA0F800, "FRINTN": 0x4E218800, "FCVTZS": 0x4EA1B800}


def fp(op, d, n, m=None):
    """The WORD for `op Vd.4S, Vn.4S[, Vm.4S]`, registers by number."""
    if m is None:
        word = FP2[op] | n << 5 | d
        text = f"{op} V{d}.4S, V{n}.4S"
    else:
        word = FP3[op] | m << 16 | n << 5 | d
        text = f"{op} V{d}.4S, V{n}.4S, V{m}.4S"
    return f"WORD ${word:#010x} // {text}"


def kernel(layout, rows):
    """microNEON{layout}{rows}(kc int, a []float32, lda int, b, c []float32, ldc int)."""
    name = f"microNEON{layout}{rows}"
    nv = NR // 4
    acc = [[i * nv + v for v in range(nv)] for i in range(rows)]
    breg = [24 + v for v in range(nv)]
    out = [f"// func {name}(kc int, a []float32, lda int, b, c []float32, ldc int)",
           f"TEXT ·{name}(SB), NOSPLIT, $0-96"]
    e = lambda line: out.append("\t" + line)
    e("MOVD kc+0(FP), R0")
    e("MOVD a_base+8(FP), R1")
    e("MOVD lda+32(FP), R2")
    e("LSL $2, R2, R2")  # lda in bytes
    e("MOVD b_base+40(FP), R3")
    e("MOVD c_base+64(FP), R4")
    e("MOVD ldc+88(FP), R5")
    e("LSL $2, R5, R5")
    # R6.. point at a's value for each row: row i's next value (N,
    # stepping 4 bytes) or the step's column (K, stepping lda).
    ptr = [f"R{6 + i}" for i in range(rows)]
    e(f"MOVD R1, {ptr[0]}")
    for i in range(1, rows):
        e(f"ADD {'R2' if layout == 'N' else '$4'}, {ptr[i - 1]}, {ptr[i]}")
    for row in acc:
        for r in row:
            e(f"VEOR V{r}.B16, V{r}.B16, V{r}.B16")
    out.append(f"{name}_loop:")
    e(f"VLD1.P {4 * NR}(R3), [{', '.join(f'V{r}.S4' for r in breg)}]")
    for i in range(rows):
        bc = 28 + i % 2  # alternate, so that a load need not wait for the last row's FMLAs
        if layout == "N":
            e(f"VLD1R.P 4({ptr[i]}), [V{bc}.S4]")
        else:
            e(f"VLD1R.P ({ptr[i]})(R2), [V{bc}.S4]")
        for v in range(nv):
            e(f"VFMLA V{breg[v]}.S4, V{bc}.S4, V{acc[i][v]}.S4")
    e("SUBS $1, R0, R0")
    e(f"BNE {name}_loop")
    for i in range(rows):
        e(f"VLD1 (R4), [{', '.join(f'V{r}.S4' for r in breg)}]")
        for v in range(nv):
            e(fp("FADD", acc[i][v], acc[i][v], breg[v]))
        e(f"VST1 [{', '.join(f'V{r}.S4' for r in acc[i])}], (R4)")
        if i < rows - 1:
            e("ADD R5, R4, R4")
    e("RET")
    return "\n".join(out) + "\n"


# Constants of the cell kernels, each held in a register: name, value (a
# float, or an int for "bias", the float exponent's bias). The x86 kernels
# round and clamp in fewer instructions (gen_amd64.py's CONSTS); these
# keep Exp's own steps, unmeasured on arm64 hardware.
CONSTS = [
    ("one", 1.0), ("two", 2.0),
    ("log2e", 1.44269504088896341), ("ln2hi", 0.693359375), ("ln2lo", -2.12194440e-4),
    ("expmax", 88.72283), ("expmin", -87.33654), ("tanhmax", 9.0), ("tanhmin", -9.0),
    ("c2", 1 / 2), ("c3", 1 / 6), ("c4", 1 / 24), ("c5", 1 / 120), ("c6", 1 / 720),
    ("bias", 127),
]

# Registers of the constants, V16 up, in CONSTS's order.
CREG = {name: 16 + i for i, (name, _) in enumerate(CONSTS)}


class Cell:
    """Emits cell-kernel code on value registers V0..V15 with the constants
    in CREG; n and t are exp's scratch registers."""

    def __init__(self):
        self.out = []
        self.n, self.t = 14, 15

    def emit(self, line):
        self.out.append("\t" + line)

    def fp(self, op, d, n, m=None):
        self.emit(fp(op, d, n, m))

    def const(self, c, dst):
        """dst = the constant c."""
        self.emit(f"VORR V{CREG[c]}.B16, V{CREG[c]}.B16, V{dst}.B16")

    def exp(self, x):
        """x = e^x, clamped like Exp."""
        n, t, C = self.n, self.t, CREG
        self.fp("FMIN", x, x, C["expmax"])
        self.fp("FMAX", x, x, C["expmin"])
        self.fp("FMUL", n, x, C["log2e"])
        self.fp("FRINTN", n, n)
        self.emit(f"VFMLS V{C['ln2hi']}.S4, V{n}.S4, V{x}.S4")  # r = x − n·ln2hi
        self.emit(f"VFMLS V{C['ln2lo']}.S4, V{n}.S4, V{x}.S4")  # r −= n·ln2lo
        p, q = t, x  # the polynomial moves between two registers
        self.const("c6", p)
        poly = ("c5", "c4", "c3", "c2", "one", "one")
        # p·r + c, fused, needs r kept: x holds r until the last step.
        r = 13
        self.emit(f"VORR V{x}.B16, V{x}.B16, V{r}.B16")
        for c in poly:
            self.const(c, q)
            self.emit(f"VFMLA V{p}.S4, V{r}.S4, V{q}.S4")  # q = c + p·r
            p, q = q, p
        # p now holds e^r; 2^n: n + 127 in the exponent bits.
        self.fp("FCVTZS", n, n)
        self.emit(f"VADD V{C['bias']}.S4, V{n}.S4, V{n}.S4")
        self.emit(f"VSHL $23, V{n}.S4, V{n}.S4")
        self.fp("FMUL", x, p, n)

    def sigmoid(self, x):
        """x = 1/(1+e^−x)."""
        self.fp("FNEG", x, x)
        self.exp(x)
        self.fp("FADD", x, x, CREG["one"])
        self.fp("FDIV", x, CREG["one"], x)

    def tanh(self, x):
        """x = 1 − 2/(e^2x + 1), x clamped to ±9."""
        C = CREG
        self.fp("FMIN", x, x, C["tanhmax"])
        self.fp("FMAX", x, x, C["tanhmin"])
        self.fp("FADD", x, x, x)
        self.exp(x)
        self.fp("FADD", x, x, C["one"])
        self.fp("FDIV", x, C["two"], x)
        self.fp("FSUB", x, C["one"], x)


def cell_kernel(name, slices, body):
    """A cell kernel: func name(n int, <slices> []float32, h int). The
    slices (five, the first gates) are named with the registers that point
    into them: gates by R1..R4 at its i, f, g, o blocks, the others by the
    registers given (bias, when named "bias", by R5..R8 at its blocks too);
    each pointer steps 16 bytes as the body stores or reads its vector."""
    k = Cell()
    e = k.emit
    args = ", ".join(n for n, _ in slices)
    out = [f"// func {name}(n int, {args} []float32, h int)",
           f"TEXT ·{name}(SB), NOSPLIT, $0-136"]
    e("MOVD n+0(FP), R0")
    e("MOVD h+128(FP), R13")
    e("LSL $2, R13, R13")  # one gate block in bytes
    for i, (arg, reg) in enumerate(slices):
        e(f"MOVD {arg}_base+{8 + 24 * i}(FP), {reg}")
        if arg in ("gates", "bias"):
            for j in range(1, 4):
                e(f"ADD R13, R{int(reg[1:]) + j - 1}, R{int(reg[1:]) + j}")
    e("MOVD $·cellConsts(SB), R12")
    for c, _ in CONSTS:
        e(f"VLD1R.P 4(R12), [V{CREG[c]}.S4]")
    e("LSR $2, R0, R0")
    e(f"CBZ R0, {name}_done")
    out += k.out
    k.out = []
    out.append(f"{name}_loop:")
    body(k)
    e("SUBS $1, R0, R0")
    e(f"BNE {name}_loop")
    out += k.out
    out += [f"{name}_done:", "\tRET"]
    return "\n".join(out) + "\n"


def cell_forward_body(k):
    e = k.emit
    for j in range(4):  # i, f, g, o, plus their biases
        e(f"VLD1 (R{1 + j}), [V{j}.S4]")
        e(f"VLD1.P 16(R{5 + j}), [V{4 + j}.S4]")
        k.fp("FADD", j, j, 4 + j)
    k.sigmoid(0)
    k.sigmoid(1)
    k.tanh(2)
    k.sigmoid(3)
    for j in range(4):
        e(f"VST1.P [V{j}.S4], 16(R{1 + j})")
    e("VLD1.P 16(R9), [V5.S4]")  # cPrev
    k.fp("FMUL", 4, 1, 5)  # f·cPrev
    e("VFMLA V2.S4, V0.S4, V4.S4")  # + i·g
    e("VST1.P [V4.S4], 16(R10)")
    k.tanh(4)
    k.fp("FMUL", 4, 3, 4)
    e("VST1.P [V4.S4], 16(R11)")


def cell_backward_body(k):
    e, one = k.emit, CREG["one"]
    for j in range(4):  # i, f, g, o
        e(f"VLD1 (R{1 + j}), [V{j}.S4]")
    e("VLD1.P 16(R9), [V4.S4]")  # c
    k.tanh(4)  # tc
    e("VLD1.P 16(R11), [V5.S4]")  # dm
    # d = dc + dm·o·(1 − tc²)
    k.const("one", 7)
    e("VFMLS V4.S4, V4.S4, V7.S4")  # 1 − tc²
    k.fp("FMUL", 8, 5, 3)  # dm·o
    k.fp("FMUL", 8, 8, 7)
    e("VLD1 (R6), [V9.S4]")  # dc
    k.fp("FADD", 8, 8, 9)  # d
    # do = dm·tc·o·(1 − o)
    k.fp("FSUB", 9, one, 3)
    k.fp("FMUL", 9, 3, 9)
    k.fp("FMUL", 10, 5, 4)
    k.fp("FMUL", 9, 9, 10)
    e("VST1.P [V9.S4], 16(R4)")
    # di = d·g·i·(1 − i)
    k.fp("FSUB", 9, one, 0)
    k.fp("FMUL", 9, 0, 9)
    k.fp("FMUL", 9, 9, 2)
    k.fp("FMUL", 9, 9, 8)
    e("VST1.P [V9.S4], 16(R1)")
    # df = d·cPrev·f·(1 − f)
    k.fp("FSUB", 9, one, 1)
    k.fp("FMUL", 9, 1, 9)
    e("VLD1.P 16(R10), [V10.S4]")  # cPrev
    k.fp("FMUL", 9, 9, 10)
    k.fp("FMUL", 9, 9, 8)
    e("VST1.P [V9.S4], 16(R2)")
    # dg = d·i·(1 − g²)
    k.const("one", 9)
    e("VFMLS V2.S4, V2.S4, V9.S4")
    k.fp("FMUL", 9, 0, 9)
    k.fp("FMUL", 9, 9, 8)
    e("VST1.P [V9.S4], 16(R3)")
    # dc = d·f
    k.fp("FMUL", 8, 1, 8)
    e("VST1.P [V8.S4], 16(R6)")


def main():
    text = ["// Code generated by gen_arm64.py; DO NOT EDIT.", "", '#include "textflag.h"', ""]
    for layout in ("K", "N"):
        for rows in range(1, MR + 1):
            text.append(kernel(layout, rows))
    text.append(consts_data(CONSTS))
    text.append(cell_kernel("cellForwardNEON",
                            [("gates", "R1"), ("bias", "R5"), ("cPrev", "R9"), ("c", "R10"), ("m", "R11")],
                            cell_forward_body))
    text.append(cell_kernel("cellBackwardNEON",
                            [("gates", "R1"), ("c", "R9"), ("cPrev", "R10"), ("dm", "R11"), ("dc", "R6")],
                            cell_backward_body))
    with open("kernels_arm64.s", "w") as f:
        f.write("\n".join(text))
    decls = ["// Code generated by gen_arm64.py; DO NOT EDIT.", "", "package kernel", ""]
    decls += micro_decls("NEON", MR, ("K", "N"))
    decls += ["//go:noescape", "func cellForwardNEON(n int, gates, bias, cPrev, c, m []float32, h int)", "",
              "//go:noescape", "func cellBackwardNEON(n int, gates, c, cPrev, dm, dc []float32, h int)", ""]
    with open("micro_arm64.go", "w") as f:
        f.write("\n".join(decls))


if __name__ == "__main__":
    main()
