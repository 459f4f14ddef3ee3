"""Writes kernels_amd64.s, the assembly kernels of package kernel.

Run from this folder: python3 gen_amd64.py (any Python 3). The kernels
are regular enough that writing them out by hand invites typos; this
generator says once what each does.

Matrix micro-kernels. Each computes the tile c[mr×nr] += a·b over kc steps, where b is a
packed panel (kc rows of nr values) and c has leading dimension ldc (in
values). The mr×kc operand a is read in place, in one of two layouts:
  - "K" (k-major): element (i, q) at a[q·lda + i]. This is a packed panel
    (lda = mr) and also a transposed matrix read as it lies in memory;
  - "N" (row-major): element (i, q) at a[i·lda + q], a plain matrix;
  - "S": the "N" layout, setting the tile c = a·b instead of adding to it,
    for a product that overwrites c (beta = 0), which then need not be
    cleared first nor read.
Per step a kernel loads the nr values of b into nr/width vector registers
and, for each of the mr rows, multiplies them by a's value broadcast into
a register, accumulating in mr·nr/width registers. The loop is unrolled twice.
Each kernel comes in mr versions, micro{ISA}{layout}{rows} for tiles of
1..mr rows, so that the rows that do not fill a whole tile cost no more
than their share.

Dot kernels. dot{ISA}_{mr}x{nr} computes c[i·ldc + j] += a_i·w_j for the
first m rows a_i of a and n rows w_j of w (multiples of mr and nr), both
read row by row (k a multiple of the register's 16 or 8 values, lda and
ldw in values), in tiles of mr×nr with one accumulator per pair, summed
across its lanes at the end of the tile; for each tile of w, which then
stays in the L1 cache, every tile of a, so that w streams from the L2
cache once: a product with a transposed right operand that needs no
packing, for products of few rows, where packing the right operand would
cost more than the product (a prediction's recurrent steps).

The peak loop. fmaPeak{ISA}(n) runs n rounds of 12 VFMADD231PS on 12
independent accumulators, so that no FMA waits for another: the core's
FMA throughput, the ceiling the matrix kernels are measured against.

Cell kernels. cellForward{ISA} and cellBackward{ISA} do what CellForward
and CellBackward do, 16 (AVX-512) or 8 (AVX2) hidden units at a time, for
the first n units (n a multiple of that); the Go functions finish the
rest. Their exp is Exp's: n = round(x·log2 e), r = x − n·ln 2 in two
parts, the degree-6 Taylor polynomial of e^r, and ·2^n by VSCALEFPS
(AVX-512) or by putting n + 127 in the exponent bits (AVX2), in fewer
instructions than Exp's steps (class Cell says how).

Adam. adam{ISA} does Adam's update (adam.go) 16 or 8 values at a time,
rounding each product before its sum as the Go loop does.
"""

LAYOUTS = ("K", "N", "S")

ISAS = [
    # name suffix, mr, nr, vector register prefix, floats per register
    ("AVX512", 10, 32, "Z", 16),
    ("AVX2", 6, 16, "Y", 8),
]


def kernel(isa, mr, nr, reg, width, layout, rows):
    """The kernel for the first rows ≤ mr rows of a tile."""
    mr = rows
    store = layout == "S"
    name = f"micro{isa}{layout}{rows}"
    nv = nr // width  # vectors per row of b
    acc = [[f"{reg}{i * nv + v}" for v in range(nv)] for i in range(mr)]
    bregs = [f"{reg}{mr * nv + v}" for v in range(nv)]
    # a's value is broadcast into a register once per row and step, not
    # by each FMA from memory (AVX-512's embedded broadcast): that was one
    # load per FMA, 22 loads for 20 FMAs a step at 10×32, and measured
    # slower (NOTES.md, version 10).
    bcast = f"{reg}{mr * nv + nv}"
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
    # The tile of c is added to or set only at the end; ask for its lines
    # now, so that they arrive from wherever they are while the FMAs run.
    emit("\tMOVQ DX, AX")
    for i in range(mr):
        emit("\tPREFETCHT0 (AX)")
        emit(f"\tPREFETCHT0 {nr * 4 - 4}(AX)")
        if i < mr - 1:
            emit("\tADDQ BX, AX")
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
            if not store:
                emit(f"\tVADDPS {v * width * 4}(DX), {acc[i][v]}, {acc[i][v]}")
            emit(f"\tVMOVUPS {acc[i][v]}, {v * width * 4}(DX)")
        if i < mr - 1:
            emit("\tADDQ BX, DX")
    emit("\tVZEROUPPER")
    emit("\tRET")
    return "\n".join(out) + "\n"


DOT_TILES = [(1, 4), (1, 8), (2, 4), (3, 4)]
DOT_ISAS = ["AVX512", "AVX2"]


def dot_kernel(isa, mr, nr):
    """dot{ISA}_{mr}x{nr}(k int, a []float32, lda, m int, w []float32, ldw, n int, c []float32, ldc int):
    c[i·ldc + j] += a_i·w_j for the first m rows of a and n rows of w
    (multiples of mr and nr), in tiles: for each tile of nr rows of w, which
    then stays in the L1 cache, every tile of mr rows of a. The AVX-512
    version reads 16 values a load (k a multiple of 16) and halves each
    accumulator to 8 lanes before the AVX2 version's sums across lanes."""
    name = f"dot{isa}_{mr}x{nr}"
    reg, vec = ("Z", 64) if isa == "AVX512" else ("Y", 32)
    acc = [[f"{reg}{i * nr + j}" for j in range(nr)] for i in range(mr)]
    areg = [f"{reg}{mr * nr + i}" for i in range(mr)]
    wreg = f"{reg}{mr * nr + mr}"
    out = [f"// func {name}(k int, a []float32, lda, m int, w []float32, ldw, n int, c []float32, ldc int)",
           f"TEXT ·{name}(SB), NOSPLIT, $8-120"]
    e = lambda line: out.append("\t" + line)
    label = lambda l: out.append(f"{name}_{l}:")
    e("MOVQ a_base+8(FP), R12")
    e("MOVQ lda+32(FP), R11")
    e("SHLQ $2, R11")
    e("MOVQ w_base+48(FP), DI")
    e("MOVQ ldw+72(FP), R8")
    e("SHLQ $2, R8")
    e("LEAQ (R8)(R8*2), R9")  # 3·ldw
    e("MOVQ n+80(FP), AX")
    e(f"SHRQ ${nr.bit_length() - 1}, AX")  # tiles of w
    e("MOVQ c_base+88(FP), R13")
    e("MOVQ ldc+112(FP), BX")
    e("SHLQ $2, BX")
    e("MOVQ m+40(FP), CX")
    e("TESTQ CX, CX")
    e(f"JZ {name}_done")
    e("TESTQ AX, AX")
    e(f"JZ {name}_done")
    label("wtile")
    e("MOVQ R12, SI")
    e("MOVQ R13, DX")
    e(f"LEAQ (DI)(R8*{nr}), R15")  # the next tile of w, prefetched as it lies if rows are contiguous
    e("MOVQ m+40(FP), CX")
    e("MOVQ CX, rows-8(SP)")
    label("atile")
    e("MOVQ DI, R14")
    e("LEAQ (DI)(R8*4), R10")  # row 4 of w
    e("MOVQ k+0(FP), CX")
    e(f"SHRQ ${(vec // 4).bit_length() - 1}, CX")  # vectors
    for row in acc:
        for r in row:
            e(f"VXORPS {r}, {r}, {r}")

    def w_addr(j):
        base, j = ("R14", j) if j < 4 else ("R10", j - 4)
        return f"({base}){['', '(R8*1)', '(R8*2)', '(R9*1)'][j]}"

    a_addr = ["(SI)", "(SI)(R11*1)", "(SI)(R11*2)"]
    e("TESTQ CX, CX")
    e(f"JZ {name}_sum")
    label("loop")
    for i in range(mr):
        e(f"VMOVUPS {a_addr[i]}, {areg[i]}")
    if mr == 1:
        for p in range(vec * nr // 64):
            e(f"PREFETCHT0 {64 * p}(R15)")
        e(f"ADDQ ${vec * nr}, R15")
    for j in range(nr):
        if mr == 1:
            e(f"VFMADD231PS {w_addr(j)}, {areg[0]}, {acc[0][j]}")
            continue
        e(f"VMOVUPS {w_addr(j)}, {wreg}")
        for i in range(mr):
            e(f"VFMADD231PS {wreg}, {areg[i]}, {acc[i][j]}")
    e(f"ADDQ ${vec}, SI")
    e(f"ADDQ ${vec}, R14")
    if nr > 4:
        e(f"ADDQ ${vec}, R10")
    e("DECQ CX")
    e(f"JNZ {name}_loop")
    label("sum")
    # The sums use Y registers 0-15 only (VHADDPS has no EVEX form); the
    # accumulators are Y0-Y11 at most, and a and w's registers are free.
    y = lambda r: "Y" + r[1:]
    t0, t1, half = "Y14", "Y15", "Y13"
    for i in range(mr):
        a = [y(r) for r in acc[i]]
        if reg == "Z":
            for z, r in zip(acc[i], a):
                e(f"VEXTRACTF32X8 $1, {z}, {half}")
                e(f"VADDPS {half}, {r}, {r}")
        # Four accumulators to one vector: lane j of each 128-bit half
        # holds half of a_j's sum.
        for q in range(0, nr, 4):
            e(f"VHADDPS {a[q + 1]}, {a[q]}, {a[q]}")
            e(f"VHADDPS {a[q + 3]}, {a[q + 2]}, {a[q + 2]}")
            e(f"VHADDPS {a[q + 2]}, {a[q]}, {a[q]}")
        if nr == 4:
            x = "X" + a[0][1:]
            e(f"VEXTRACTF128 $1, {a[0]}, X{t0[1:]}")
            e(f"VADDPS X{t0[1:]}, {x}, {x}")
            e(f"VADDPS (DX), {x}, {x}")
            e(f"VMOVUPS {x}, (DX)")
        else:
            e(f"VPERM2F128 $0x20, {a[4]}, {a[0]}, {t0}")
            e(f"VPERM2F128 $0x31, {a[4]}, {a[0]}, {t1}")
            e(f"VADDPS {t1}, {t0}, {t0}")
            e(f"VADDPS (DX), {t0}, {t0}")
            e(f"VMOVUPS {t0}, (DX)")
        e("ADDQ BX, DX")
    # The next tile of a: mr rows on from this one's first.
    e("MOVQ k+0(FP), CX")
    e("SHLQ $2, CX")
    e("SUBQ CX, SI")
    for _ in range(mr):
        e("ADDQ R11, SI")
    e(f"SUBQ ${mr}, rows-8(SP)")
    e(f"JNZ {name}_atile")
    # The next tile of w: nr rows on, and nr values on in c.
    e(f"LEAQ (DI)(R8*{nr}), DI")
    e(f"ADDQ ${4 * nr}, R13")
    e("DECQ AX")
    e(f"JNZ {name}_wtile")
    label("done")
    e("VZEROUPPER")
    e("RET")
    return "\n".join(out) + "\n"


def fma_peak(isa, reg):
    """fmaPeak{isa}(n int): n rounds of 12 independent FMAs."""
    name = f"fmaPeak{isa}"
    out = [f"// func {name}(n int)", f"TEXT ·{name}(SB), NOSPLIT, $0-8", "\tMOVQ n+0(FP), CX"]
    out += [f"\tVXORPS {reg}{i}, {reg}{i}, {reg}{i}" for i in range(14)]
    out += ["\tTESTQ CX, CX", f"\tJZ {name}_done", f"{name}_loop:"]
    out += [f"\tVFMADD231PS {reg}12, {reg}13, {reg}{i}" for i in range(12)]
    out += ["\tDECQ CX", f"\tJNZ {name}_loop", f"{name}_done:", "\tVZEROUPPER", "\tRET"]
    return "\n".join(out) + "\n"



def sum_rows():
    """sumRowsAVX2(n int, x []float32, ldx int, s []float32, chunks int):
    s[j] += x[r·ldx + j] for the n rows r and the first 64·chunks columns j,
    64 columns at a time in eight accumulators, so that the adds of
    consecutive rows do not wait on each other."""
    name = "sumRowsAVX2"
    out = [f"// func {name}(n int, x []float32, ldx int, s []float32, chunks int)",
           f"TEXT ·{name}(SB), NOSPLIT, $0-72"]
    e = lambda line: out.append("\t" + line)
    label = lambda l: out.append(f"{name}_{l}:")
    e("MOVQ n+0(FP), R8")
    e("MOVQ x_base+8(FP), SI")
    e("MOVQ ldx+32(FP), BX")
    e("SHLQ $2, BX")
    e("MOVQ s_base+40(FP), DX")
    e("MOVQ chunks+64(FP), CX")
    e("TESTQ R8, R8")
    e(f"JZ {name}_done")
    e("TESTQ CX, CX")
    e(f"JZ {name}_done")
    label("chunk")
    for i in range(8):
        e(f"VMOVUPS {32 * i}(DX), Y{i}")
    e("MOVQ SI, DI")
    e("MOVQ R8, AX")
    label("row")
    for i in range(8):
        e(f"VADDPS {32 * i}(DI), Y{i}, Y{i}")
    e("ADDQ BX, DI")
    e("DECQ AX")
    e(f"JNZ {name}_row")
    for i in range(8):
        e(f"VMOVUPS Y{i}, {32 * i}(DX)")
    e("ADDQ $256, SI")
    e("ADDQ $256, DX")
    e("DECQ CX")
    e(f"JNZ {name}_chunk")
    label("done")
    e("VZEROUPPER")
    e("RET")
    return "\n".join(out) + "\n"


def pack_trans(isa, nr):
    """packTrans{ISA}(kc int, b []float32, ldb int, dst []float32): one
    panel of PackB's for a transposed b, dst[q·nr + j] = b[j·ldb + q] for
    q < kc and j < nr: for each q, the nr values of column q of the nr
    rows of b, gathered (VGATHERDPS) with the indices j·ldb, 16 or 8 at a
    time, then stored as one row of the panel."""
    name = f"packTrans{isa}"
    avx512 = isa == "AVX512"
    reg, lanes = ("Z", 16) if avx512 else ("Y", 8)
    out = [f"// func {name}(kc int, b []float32, ldb int, dst []float32)",
           f"TEXT ·{name}(SB), NOSPLIT, $0-64"]
    e = lambda line: out.append("\t" + line)
    e("MOVQ kc+0(FP), CX")
    e("MOVQ b_base+8(FP), SI")
    e("MOVQ ldb+32(FP), BX")
    e("MOVQ dst_base+40(FP), DI")
    e("MOVQ BX, X0")
    e(f"VPBROADCASTD X0, {reg}1")
    e(f"VPMULLD ·packIota(SB), {reg}1, {reg}1")  # j·ldb for j < lanes
    e("SHLQ $2, BX")  # ldb in bytes
    bases = ["SI"]
    for h in range(1, nr // lanes):
        r = ["R8", "R9", "R10"][h - 1]
        e(f"MOVQ BX, {r}")
        e(f"IMULQ ${h * lanes}, {r}")
        e(f"ADDQ SI, {r}")
        bases.append(r)
    e("TESTQ CX, CX")
    e(f"JZ {name}_done")
    out.append(f"{name}_loop:")
    for h, base in enumerate(bases):
        dst = f"{reg}{2 + h}"
        if avx512:
            e(f"KXNORW K{1 + h}, K{1 + h}, K{1 + h}")
            e(f"VGATHERDPS ({base})({reg}1*4), K{1 + h}, {dst}")
        else:
            e(f"VPCMPEQD Y{6 + h}, Y{6 + h}, Y{6 + h}")
            e(f"VGATHERDPS Y{6 + h}, ({base})(Y1*4), {dst}")
    for h, base in enumerate(bases):
        e(f"VMOVUPS {reg}{2 + h}, {h * lanes * 4}(DI)")
        e(f"ADDQ $4, {base}")
    e(f"ADDQ ${nr * 4}, DI")
    e("DECQ CX")
    e(f"JNZ {name}_loop")
    out.append(f"{name}_done:")
    e("VZEROUPPER")
    e("RET")
    return "\n".join(out) + "\n"


def adam(isa):
    """adam{isa}(n int, p, g, m, v []float32, c *[8]float32): Adam's update
    (adam.go) of the first n values, a multiple of the lanes, each product
    rounded before its sum as in the Go loop; c holds β1, 1−β1, β2, 1−β2,
    the weight decay, the step size, √(1−β2^t) and ε, broadcast into
    registers 0..7. With no weight decay the gradient is used as it is."""
    z = isa == "AVX512"
    lanes, r = (16, "Z") if z else (8, "Y")
    name = f"adam{isa}"
    out = [f"// func {name}(n int, p, g, m, v []float32, c *[8]float32)",
           f"TEXT ·{name}(SB), NOSPLIT, $0-112"]
    e = lambda line: out.append("\t" + line)
    e("MOVQ n+0(FP), CX")
    for i, arg in enumerate(("p", "g", "m", "v")):
        e(f"MOVQ {arg}_base+{8 + 24 * i}(FP), {('DI', 'SI', 'R8', 'R9')[i]}")
    e("MOVQ c+104(FP), DX")
    for i in range(8):
        e(f"VBROADCASTSS {4 * i}(DX), {r}{i}")
    e("XORQ AX, AX")
    e(f"SHRQ ${lanes.bit_length() - 1}, CX")
    e(f"JZ {name}_done")
    e("VXORPS X8, X8, X8")
    e("VUCOMISS 16(DX), X8")  # weight decay 0?
    e(f"JNE {name}_decay")
    e(f"JP {name}_decay")
    for decay in (False, True):
        if decay:
            out.append(f"{name}_decay:")
        out.append(f"{name}_loop{int(decay)}:")
        e(f"VMOVUPS (SI)(AX*1), {r}8")  # g
        if decay:
            e(f"VMULPS (DI)(AX*1), {r}4, {r}9")
            e(f"VADDPS {r}9, {r}8, {r}8")  # g + wd·p
        e(f"VMULPS (R8)(AX*1), {r}0, {r}10")  # m·β1
        e(f"VMULPS {r}8, {r}1, {r}11")  # g·(1−β1)
        e(f"VADDPS {r}11, {r}10, {r}10")
        e(f"VMOVUPS {r}10, (R8)(AX*1)")
        e(f"VMULPS (R9)(AX*1), {r}2, {r}12")  # v·β2
        e(f"VMULPS {r}8, {r}8, {r}13")
        e(f"VMULPS {r}13, {r}3, {r}13")  # g²·(1−β2)
        e(f"VADDPS {r}13, {r}12, {r}12")
        e(f"VMOVUPS {r}12, (R9)(AX*1)")
        e(f"VSQRTPS {r}12, {r}14")
        e(f"VDIVPS {r}6, {r}14, {r}14")  # √v/√(1−β2^t)
        e(f"VADDPS {r}7, {r}14, {r}14")  # + ε
        e(f"VDIVPS {r}14, {r}10, {r}15")  # m/denominator
        e(f"VMULPS {r}15, {r}5, {r}15")  # · step size
        e(f"VMOVUPS (DI)(AX*1), {r}9")
        e(f"VSUBPS {r}15, {r}9, {r}9")
        e(f"VMOVUPS {r}9, (DI)(AX*1)")
        e(f"ADDQ ${4 * lanes}, AX")
        e("DECQ CX")
        e(f"JNZ {name}_loop{int(decay)}")
        if not decay:
            e(f"JMP {name}_done")
    out.append(f"{name}_done:")
    e("VZEROUPPER")
    e("RET")
    return "\n".join(out) + "\n"


def pack_iota():
    out = [f"DATA ·packIota+{4 * i}(SB)/4, ${i}" for i in range(16)]
    out.append("GLOBL ·packIota(SB), RODATA|NOPTR, $64")
    return "\n".join(out) + "\n"

# Constants of the cell kernels, broadcast from memory: name, float value.
# "magic" is 1.5·2²³: added to a float below 2²² in magnitude, it leaves
# that float rounded to the nearest integer in the sum's low mantissa bits.
CONSTS = [
    ("one", 1.0), ("two", 2.0), ("magic", 12582912.0),
    ("log2e", 1.44269504088896341), ("neglog2e", -1.44269504088896341),
    ("ln2hi", 0.693359375), ("ln2lo", -2.12194440e-4),
    ("lim", 88.0), ("neglim", -88.0), ("tanhmax", 9.0), ("tanhmin", -9.0),
    ("c2", 1 / 2), ("c3", 1 / 6), ("c4", 1 / 24), ("c5", 1 / 120), ("c6", 1 / 720),
]


def const(name):
    return f"·cellConsts+{4 * [c[0] for c in CONSTS].index(name)}(SB)"


def consts_data(consts=CONSTS):
    """The DATA of ·cellConsts: consts's values, floats or ints (raw bits)."""
    import struct
    out = []
    for i, (name, v) in enumerate(consts):
        bits = v if isinstance(v, int) else struct.unpack("<I", struct.pack("<f", v))[0]
        out.append(f"DATA ·cellConsts+{4 * i}(SB)/4, $0x{bits:08x} // {name}")
    out.append(f"GLOBL ·cellConsts(SB), RODATA|NOPTR, ${4 * len(consts)}")
    return "\n".join(out) + "\n"


class Cell:
    """Emits the cell kernels' code for one instruction set: "AVX512"
    (Z registers, 16 lanes, constants broadcast by the instruction that
    uses them, VRANGEPS and VSCALEFPS) or "AVX2" (Y registers, 8 lanes,
    constants broadcast into a register first, 2^n built in the exponent
    bits). Registers 1..11 hold values; the rest are scratch, in sets for
    the chains that run side by side (chains).

    The activations are those of cell.go's Exp, Sigmoid and Tanh in fewer
    instructions, as the cell is bound by how many it issues: one clamp
    each (Exp's own is not needed once its argument is within ±88), −x
    folded into Exp's reduction, and n = round(x·log2 e) by adding magic
    in the same FMA, whose sum's low bits are also 2^n's exponent."""

    def __init__(self, isa):
        self.isa, self.out = isa, []
        self.avx512 = isa == "AVX512"
        self.prefix = "Z" if self.avx512 else "Y"
        self.lanes = 16 if self.avx512 else 8
        self.t = self.r(23 if self.avx512 else 12)
        # Scratch registers n, p, f of each chain that chains interleaves.
        sets = ((20, 21, 22), (24, 25, 26), (27, 28, 29)) if self.avx512 else ((13, 14, 15), (6, 7, 8), (9, 10, 11))
        self.sets = [tuple(self.r(i) for i in s) for s in sets]
        self.n, self.p, self.f = self.sets[0]

    def r(self, i):
        return f"{self.prefix}{i}"

    def emit(self, *lines):
        """Emits lines as one unit, which chains keeps together."""
        self.out.append("\n".join("\t" + line for line in lines))

    def op(self, ins, c, src, dst):
        """dst = src ins c, for a constant c."""
        if self.avx512:
            self.emit(f"{ins}.BCST {const(c)}, {src}, {dst}")
        else:
            self.emit(f"VBROADCASTSS {const(c)}, {self.t}", f"{ins} {self.t}, {src}, {dst}")

    def chains(self, *steps):
        """Emits each of steps (functions of no arguments that emit), with
        scratch registers of its own, their units interleaved one by one:
        independent chains of dependent instructions then progress side by
        side rather than one after another, which the CPU's schedulers,
        filled by one chain's waiting instructions, do not reorder far
        enough to do."""
        assert len(steps) <= len(self.sets), "more chains than scratch sets"
        out, emitted = self.out, []
        for step, regs in zip(steps, self.sets):
            self.out = []
            self.n, self.p, self.f = regs
            step()
            emitted.append(self.out)
        self.out, (self.n, self.p, self.f) = out, self.sets[0]
        for i in range(max(len(u) for u in emitted)):
            out += [u[i] for u in emitted if i < len(u)]

    def load_const(self, c, dst):
        self.emit(f"VBROADCASTSS {const(c)}, {dst}")

    def clamp(self, x, hi, lo):
        """x = x within [lo, hi] = [−hi, hi]; VRANGEPS's min by magnitude
        with x's sign does it in one instruction (NaN stays NaN there)."""
        if self.avx512:
            self.emit(f"VRANGEPS.BCST $2, {const(hi)}, {x}, {x}")
            return
        self.op("VMINPS", hi, x, x)
        self.op("VMAXPS", lo, x, x)

    def exp(self, x, neg=False):
        """x = e^x (e^−x if neg) for |x| ≤ 88."""
        e, n, p, f = self.emit, self.n, self.p, self.f
        self.load_const("neglog2e" if neg else "log2e", n)
        self.op("VFMADD213PS", "magic", x, n)  # n = ±x·log2e + magic
        self.op("VSUBPS", "magic", n, f)  # f = round(±x·log2e)
        # r = ±x − f·ln2, in two parts
        self.op("VFNMSUB231PS" if neg else "VFNMADD231PS", "ln2hi", f, x)
        self.op("VFNMADD231PS", "ln2lo", f, x)
        self.load_const("c6", p)
        for c in ("c5", "c4", "c3", "c2", "one", "one"):
            self.op("VFMADD213PS", c, x, p)  # p = p·r + c
        if self.avx512:
            e(f"VSCALEFPS {f}, {p}, {x}")
            return
        e(f"VPSLLD $23, {n}, {n}")  # f's low bits to the exponent's place
        self.op("VPADDD", "one", n, n)  # + the exponent's bias: 2^f
        e(f"VMULPS {n}, {p}, {x}")

    def sigmoid(self, x):
        """x = 1/(1+e^−x)."""
        self.clamp(x, "lim", "neglim")
        self.exp(x, neg=True)
        self.op("VADDPS", "one", x, x)
        self.load_const("one", self.p)
        self.emit(f"VDIVPS {x}, {self.p}, {x}")

    def tanh(self, x):
        """x = 1 − 2/(e^2x + 1), x clamped to ±9."""
        e = self.emit
        self.clamp(x, "tanhmax", "tanhmin")
        e(f"VADDPS {x}, {x}, {x}")
        self.exp(x)
        self.op("VADDPS", "one", x, x)
        self.load_const("two", self.p)
        e(f"VDIVPS {x}, {self.p}, {x}")
        self.load_const("one", self.p)
        e(f"VSUBPS {x}, {self.p}, {x}")


def cell_kernel(isa, name, slices, body, advance):
    """A cell kernel: func name(n int, <slices> []float32, h int), whose
    slices (five, the first gates) come in SI and the registers named,
    looping body over n units, lanes at a time; AX is the byte offset of
    the unit, BX one gate block in bytes, DX three; advance names the
    registers that move with SI."""
    k = Cell(isa)
    e = k.emit
    args = ", ".join(n for n, _ in slices)
    out = [f"// func {name}(n int, {args} []float32, h int)",
           f"TEXT ·{name}(SB), NOSPLIT, $0-136"]
    e("MOVQ n+0(FP), CX")
    for i, (arg, reg) in enumerate(slices):
        e(f"MOVQ {arg}_base+{8 + 24 * i}(FP), {reg}")
    e("MOVQ h+128(FP), BX")
    e("SHLQ $2, BX")  # one gate block in bytes
    e("LEAQ (BX)(BX*2), DX")  # three
    e("XORQ AX, AX")  # byte offset of the unit
    e(f"SHRQ ${k.lanes.bit_length() - 1}, CX")
    e(f"JZ {name}_done")
    out += k.out
    k.out = []
    out.append(f"{name}_loop:")
    body(k)
    for reg in ["SI", "AX"] + advance:
        e(f"ADDQ ${4 * k.lanes}, {reg}")
    e("DECQ CX")
    e(f"JNZ {name}_loop")
    out += k.out
    out += [f"{name}_done:", "\tVZEROUPPER", "\tRET"]
    return "\n".join(out) + "\n"


def cell_forward(isa):
    return cell_kernel(isa, f"cellForward{isa}",
                       [("gates", "SI"), ("bias", "R11"), ("cPrev", "R8"), ("c", "R9"), ("m", "R10")],
                       cell_forward_body, ["R11"])


def cell_forward_body(k):
    e, r = k.emit, k.r
    e(f"VMOVUPS (SI), {r(1)}")  # i
    e(f"VMOVUPS (SI)(BX*1), {r(2)}")  # f
    e(f"VMOVUPS (SI)(BX*2), {r(3)}")  # g
    e(f"VMOVUPS (SI)(DX*1), {r(4)}")  # o
    e(f"VADDPS (R11), {r(1)}, {r(1)}")
    e(f"VADDPS (R11)(BX*1), {r(2)}, {r(2)}")
    e(f"VADDPS (R11)(BX*2), {r(3)}, {r(3)}")
    e(f"VADDPS (R11)(DX*1), {r(4)}, {r(4)}")
    # i, f and g, which c needs, side by side; then o beside tanh c.
    k.chains(lambda: k.sigmoid(r(1)), lambda: k.sigmoid(r(2)), lambda: k.tanh(r(3)))
    e(f"VMOVUPS {r(1)}, (SI)")
    e(f"VMOVUPS {r(2)}, (SI)(BX*1)")
    e(f"VMOVUPS {r(3)}, (SI)(BX*2)")
    e(f"VMULPS (R8)(AX*1), {r(2)}, {r(5)}")  # f·cPrev
    e(f"VFMADD231PS {r(3)}, {r(1)}, {r(5)}")  # + i·g
    e(f"VMOVUPS {r(5)}, (R9)(AX*1)")
    k.chains(lambda: k.tanh(r(5)), lambda: k.sigmoid(r(4)))
    e(f"VMOVUPS {r(4)}, (SI)(DX*1)")
    e(f"VMULPS {r(5)}, {r(4)}, {r(5)}")
    e(f"VMOVUPS {r(5)}, (R10)(AX*1)")


def cell_backward(isa):
    return cell_kernel(isa, f"cellBackward{isa}",
                       [("gates", "SI"), ("c", "R8"), ("cPrev", "R9"), ("dm", "R10"), ("dc", "R11")],
                       cell_backward_body, [])


def cell_backward_body(k):
    e, r = k.emit, k.r
    e(f"VMOVUPS (SI), {r(1)}")  # i
    e(f"VMOVUPS (SI)(BX*1), {r(2)}")  # f
    e(f"VMOVUPS (SI)(BX*2), {r(3)}")  # g
    e(f"VMOVUPS (SI)(DX*1), {r(4)}")  # o
    e(f"VMOVUPS (R8)(AX*1), {r(5)}")
    k.tanh(r(5))  # tc
    e(f"VMOVUPS (R10)(AX*1), {r(6)}")  # dm
    k.load_const("one", r(7))
    # d = dc + dm·o·(1 − tc²)
    e(f"VMOVAPS {r(7)}, {r(8)}")
    e(f"VFNMADD231PS {r(5)}, {r(5)}, {r(8)}")  # 1 − tc²
    e(f"VMULPS {r(4)}, {r(6)}, {r(9)}")  # dm·o
    e(f"VMULPS {r(8)}, {r(9)}, {r(9)}")
    e(f"VADDPS (R11)(AX*1), {r(9)}, {r(9)}")  # d
    # do = dm·tc·o·(1 − o)
    e(f"VSUBPS {r(4)}, {r(7)}, {r(10)}")  # 1 − o
    e(f"VMULPS {r(10)}, {r(4)}, {r(10)}")
    e(f"VMULPS {r(5)}, {r(6)}, {r(11)}")
    e(f"VMULPS {r(11)}, {r(10)}, {r(10)}")
    e(f"VMOVUPS {r(10)}, (SI)(DX*1)")
    # di = d·g·i·(1 − i)
    e(f"VSUBPS {r(1)}, {r(7)}, {r(10)}")
    e(f"VMULPS {r(10)}, {r(1)}, {r(10)}")
    e(f"VMULPS {r(3)}, {r(10)}, {r(10)}")
    e(f"VMULPS {r(9)}, {r(10)}, {r(10)}")
    e(f"VMOVUPS {r(10)}, (SI)")
    # df = d·cPrev·f·(1 − f)
    e(f"VSUBPS {r(2)}, {r(7)}, {r(10)}")
    e(f"VMULPS {r(10)}, {r(2)}, {r(10)}")
    e(f"VMULPS (R9)(AX*1), {r(10)}, {r(10)}")
    e(f"VMULPS {r(9)}, {r(10)}, {r(10)}")
    e(f"VMOVUPS {r(10)}, (SI)(BX*1)")
    # dg = d·i·(1 − g²)
    e(f"VMOVAPS {r(7)}, {r(10)}")
    e(f"VFNMADD231PS {r(3)}, {r(3)}, {r(10)}")
    e(f"VMULPS {r(1)}, {r(10)}, {r(10)}")
    e(f"VMULPS {r(9)}, {r(10)}, {r(10)}")
    e(f"VMOVUPS {r(10)}, (SI)(BX*2)")
    # dc = d·f
    e(f"VMULPS {r(2)}, {r(9)}, {r(9)}")
    e(f"VMOVUPS {r(9)}, (R11)(AX*1)")


def micro_decls(isa, mr, layouts=LAYOUTS):
    """The Go declarations of micro{isa}{layout}{1..mr} and their lists by rows."""
    sig = "(kc int, a []float32, lda int, b, c []float32, ldc int)"
    decls = []
    for layout in layouts:
        names = [f"micro{isa}{layout}{r}" for r in range(1, mr + 1)]
        for n in names:
            decls += ["//go:noescape", f"func {n}{sig}", ""]
        decls.append(f"// micro{isa}{layout} lists the {layout}-layout kernels by number of rows, 1 to {mr}.")
        decls.append(f"var micro{isa}{layout} = []microFunc{{{', '.join(names)}}}")
        decls.append("")
    return decls


def main():
    text = ["// Code generated by gen_amd64.py; DO NOT EDIT.", "", '#include "textflag.h"', ""]
    for isa in ISAS:
        for layout in LAYOUTS:
            for rows in range(1, isa[1] + 1):
                text.append(kernel(*isa, layout, rows))
    text += [consts_data()] + [f(isa) for isa in ("AVX512", "AVX2") for f in (cell_forward, cell_backward)]
    text += [fma_peak(isa, reg) for isa, _, _, reg, _ in ISAS]
    text += [dot_kernel(isa, mr, nr) for isa in DOT_ISAS for mr, nr in DOT_TILES]
    text.append(sum_rows())
    text += [adam(isa) for isa in ("AVX512", "AVX2")]
    text += [pack_iota()] + [pack_trans(isa, nr) for isa, _, nr, _, _ in ISAS]
    with open("kernels_amd64.s", "w") as f:
        f.write("\n".join(text))
    decls = ["// Code generated by gen_amd64.py; DO NOT EDIT.", "", "package kernel", ""]
    for isa, mr, *_ in ISAS:
        decls += micro_decls(isa, mr)
    for isa, *_ in ISAS:
        decls += [f"// fmaPeak{isa} runs n rounds of 12 independent {isa} FMAs (BenchmarkPeak).",
                  f"func fmaPeak{isa}(n int)", ""]
    dsig = "(k int, a []float32, lda, m int, w []float32, ldw, n int, c []float32, ldc int)"
    for isa in DOT_ISAS:
        for mr, nr in DOT_TILES:
            decls += [f"// dot{isa}_{mr}x{nr} adds the products of the first m rows of a and n rows of w, in tiles of {mr}×{nr}, to c.",
                      "//", "//go:noescape", f"func dot{isa}_{mr}x{nr}{dsig}", ""]
    decls += ["// sumRowsAVX2 adds the n rows of x, the first 64·chunks values of each, to s.",
              "//", "//go:noescape", "func sumRowsAVX2(n int, x []float32, ldx int, s []float32, chunks int)", ""]
    for isa in ("AVX512", "AVX2"):
        decls += [f"// adam{isa} runs Adam's update of the first n values (a multiple of its lanes) of p, g, m and v.",
                  "//", "//go:noescape", f"func adam{isa}(n int, p, g, m, v []float32, c *[8]float32)", ""]
    for isa, _, nr, _, _ in ISAS:
        decls += [f"// packTrans{isa} writes one {nr}-wide panel of PackB's for a transposed b.",
                  "//", "//go:noescape", f"func packTrans{isa}(kc int, b []float32, ldb int, dst []float32)", ""]
    with open("micro_amd64.go", "w") as f:
        f.write("\n".join(decls))


if __name__ == "__main__":
    main()
