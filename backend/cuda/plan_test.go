package cuda

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestPTXMatchesSource checks that the embedded kernels.ptx was generated
// from the kernels.cu beside it (make kernels), and defines every kernel
// the backend loads.
func TestPTXMatchesSource(t *testing.T) {
	m := ptxHeader.FindStringSubmatch(kernelsPTX)
	if m == nil {
		t.Fatalf("kernels.ptx does not start with make kernels' header line: %q", strings.SplitN(kernelsPTX, "\n", 2)[0])
	}
	sum := sha256.Sum256(kernelsSource)
	if got := hex.EncodeToString(sum[:]); m[2] != got {
		t.Fatalf("kernels.ptx was generated from kernels.cu sha256 %s, but kernels.cu is %s now: run make kernels", m[2], got)
	}
	for _, name := range kernelNames {
		if !strings.Contains(kernelsPTX, ".entry "+name+"(") {
			t.Errorf("kernels.ptx defines no kernel %s", name)
		}
	}
}

func TestPackArgs(t *testing.T) {
	h, err := packArgs(-1, long(-1), float32(1.5), uint64(1)<<63, uintptr(0xdeadbeef00), true, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint64{0xffffffff, math.MaxUint64, uint64(math.Float32bits(1.5)), 1 << 63, 0xdeadbeef00, 1, 0}
	for i := range want {
		if h[i] != want[i] {
			t.Errorf("holder %d = %#x, want %#x", i, h[i], want[i])
		}
	}
	for _, bad := range []any{1 << 40, "x", 1.5} {
		if _, err := packArgs(bad); err == nil {
			t.Errorf("packArgs(%v) gave no error", bad)
		}
	}
}

// TestPlans checks the persistent kernels' launch plans: every unit and
// output column has a block, the grid fits one block per SM, the shared
// memory fits the device and holds what the kernel indexes, the backward
// pass's items fit its accumulators, and it stages whole rows of dA where
// they fit (the seed model on an H200: the whole [100, 512] block).
func TestPlans(t *testing.T) {
	cases := []struct {
		B, H, O, sms, shared int
		staged               bool
		rc                   int // dA values per staged row
	}{
		{100, 128, 128, 132, 227 << 10, true, 512},    // the seed model on an H200
		{100, 128, 128, 108, 163 << 10, true, 512},    // on an A100: 2 units per block, passes of 79 and 21 rows
		{3, 11, 5, 132, 227 << 10, true, 44},          // odd sizes with a projection
		{1, 1, 1, 132, 48 << 10, true, 4},             // a row of 4H narrower than a chunk
		{1000, 1024, 1024, 80, 96 << 10, false, 4096}, // weights too large to stage; 5 whole rows a pass
		{5000, 64, 64, 16, 48 << 10, true, 256},       // chunks of the batch
		{100, 128, 128, 3, 1 << 10, false, 32},        // the emulator's Chunked device
	}
	for _, c := range cases {
		f, err := planForward(c.B, c.H, c.O, c.sms, c.shared)
		if err != nil {
			t.Fatalf("%+v: forward: %v", c, err)
		}
		if f.Grid < 1 || f.Grid > c.sms || f.Grid*f.J < c.H || (f.Grid-1)*f.J >= c.H {
			t.Errorf("%+v: forward grid %d of %d units does not cover %d units tightly", c, f.Grid, f.J, c.H)
		}
		want := 4 * f.BC * (c.O + 1)
		if f.Staged {
			want += 4 * 4 * f.J * c.O
		}
		if f.Staged != c.staged || f.Shared != want || f.Shared > c.shared || f.BC < 1 || f.BC > c.B {
			t.Errorf("%+v: forward plan %+v (want staged %v, %d bytes)", c, f, c.staged, want)
		}
		b, err := planBackward(c.B, c.H, c.O, c.sms, c.shared)
		if err != nil {
			t.Fatalf("%+v: backward: %v", c, err)
		}
		if b.Grid > c.sms || b.Grid*b.J < c.H || b.Grid*b.JO < c.O {
			t.Errorf("%+v: backward grid %d (%d units, %d columns per block) does not cover the layer", c, b.Grid, b.J, b.JO)
		}
		want = 4 * b.BC * (b.RC + 1)
		if b.Staged {
			want += 4 * 4 * c.H * b.JO
		}
		if b.RC != c.rc || b.Shared != want || b.Shared > c.shared || b.BC < 1 || b.BC > c.B || b.BC*b.JO > maxItems*threads {
			t.Errorf("%+v: backward plan %+v (want %d values per row, %d bytes)", c, b, c.rc, want)
		}
	}
	if _, err := planForward(1, 1, 1<<20, 132, 48<<10); err == nil {
		t.Error("planForward accepted a row of h larger than shared memory")
	}
}

// TestSplitPlans checks the two-stage sums' plans: the splits of a gemm
// cover k exactly once, in steps of gemmK, and only where the tiles leave
// SMs idle (the seed model's weight gradients on an H200: k = 2,800 on 16
// or 8 tiles), in at most two blocks per SM; those of sum_rows cover the rows; sum_squares' grid gives
// each thread one batch of loads.
func TestSplitPlans(t *testing.T) {
	for _, c := range []struct{ m, n, k, sms, splits int }{
		{512, 128, 2700, 132, 16}, // W_hh's gradient, layer 1 or 2
		{512, 28, 2800, 132, 22},  // W_ih's gradient, layer 1
		{2800, 128, 512, 132, 3},  // the input gradient of layer 2
		{2800, 512, 128, 132, 1},  // an input projection: tiles enough
		{10, 128, 100, 132, 1},    // the head's gradient: k short
		{512, 128, 2700, 5, 1},    // 16 tiles on 5 SMs
		{1, 1, 451, 5, 4},
	} {
		g := planGemm(c.m, c.n, c.k, c.sms)
		if g.Splits != c.splits || (g.Splits > 1 && (g.KC%gemmK != 0 || g.X*g.Y*g.Splits > 2*c.sms)) || g.Splits*g.KC < c.k || (g.Splits-1)*g.KC >= max(c.k, 1) {
			t.Errorf("planGemm(%d, %d, %d, %d) = %+v, want %d splits covering k", c.m, c.n, c.k, c.sms, g, c.splits)
		}
	}
	for n, want := range map[int]int{0: 1, 1: 1, 127: 1, 128: 8, 2800: 44} {
		rc, splits := planRows(n)
		if splits != want || rc*splits < n || (splits > 1 && rc*(splits-1) >= n) {
			t.Errorf("planRows(%d) = %d rows × %d splits, want %d splits covering the rows", n, rc, splits, want)
		}
	}
	for n, want := range map[int]int{0: 1, 214282: 53, 1 << 30: maxPartials} {
		if got := squaresGrid(n); got != want {
			t.Errorf("squaresGrid(%d) = %d, want %d", n, got, want)
		}
	}
	if !aligned16(0, 16, 4096) || aligned16(16, 20) {
		t.Error("aligned16 is wrong")
	}
}

// TestKernelConstants checks that the constants kernels.cu and plan.go
// share agree.
func TestKernelConstants(t *testing.T) {
	for name, want := range map[string]int{"NT": threads, "SB": stageBatch, "GT": gemmTile, "GK": gemmK} {
		m := regexp.MustCompile(`(?m)^#define ` + name + ` (\d+)$`).FindSubmatch(kernelsSource)
		if m == nil {
			t.Errorf("kernels.cu defines no %s", name)
			continue
		}
		if got, _ := strconv.Atoi(string(m[1])); got != want {
			t.Errorf("kernels.cu's %s is %d, plan.go's %d", name, got, want)
		}
	}
}

// TestBarrierLayout checks that the grid barrier's counters are as far
// apart in kernels.cu as the backend allocates them.
func TestBarrierLayout(t *testing.T) {
	m := regexp.MustCompile(`(?m)^#define BAR_GEN (\d+)$`).FindSubmatch(kernelsSource)
	if m == nil {
		t.Fatal("kernels.cu defines no BAR_GEN")
	}
	if gen, _ := strconv.Atoi(string(m[1])); 4*gen != barrierBytes || barrierBytes < 128 {
		t.Errorf("BAR_GEN %d unsigned ints, barrierBytes %d: want the generation barrierBytes (at least a 128-byte line) after the count", gen, barrierBytes)
	}
}

func TestGrids(t *testing.T) {
	if x, y := gemmGrid(2800, 512); x != 8 || y != 44 {
		t.Errorf("gemmGrid(2800, 512) = %d, %d, want 8, 44", x, y)
	}
	for n, want := range map[int]int{1: 1, 256: 1, 257: 2, 1 << 30: maxGrid} {
		if got := pointwiseGrid(n); got != want {
			t.Errorf("pointwiseGrid(%d) = %d, want %d", n, got, want)
		}
	}
}
