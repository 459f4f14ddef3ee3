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
// memory fits the device and holds what the kernel indexes, and the
// backward pass's items fit its accumulators.
func TestPlans(t *testing.T) {
	cases := []struct {
		B, H, O, sms, shared int
		staged               bool
	}{
		{100, 128, 128, 132, 227 << 10, true}, // the seed model on an H200
		{100, 128, 128, 108, 163 << 10, true}, // on an A100: 2 units per block
		{3, 11, 5, 132, 227 << 10, true},      // odd sizes with a projection
		{1, 1, 1, 132, 48 << 10, true},
		{1000, 1024, 1024, 80, 96 << 10, false}, // weights too large to stage
		{5000, 64, 64, 16, 48 << 10, true},      // chunks of the batch
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
		want = 4 * b.BC * (chunkRows + 1)
		if b.Staged {
			want += 4 * 4 * c.H * b.JO
		}
		if b.Shared != want || b.Shared > c.shared || b.BC < 1 || b.BC > c.B || b.BC*b.JO > maxItems*threads {
			t.Errorf("%+v: backward plan %+v (want %d bytes)", c, b, want)
		}
	}
	if _, err := planForward(1, 1, 1<<20, 132, 48<<10); err == nil {
		t.Error("planForward accepted a row of h larger than shared memory")
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
