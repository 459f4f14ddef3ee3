package backendtest

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend"
)

// testBuffer checks New, Len, Upload, Download, Zero, Copy and Slice: new
// buffers are zero, values travel bit for bit (NaN, infinities, -0 and
// subnormals included), views share memory with their buffer at the right
// offset, operations on a view touch only the view, and Slice panics out
// of range.
func testBuffer(t *testing.T, be backend.Backend) {
	name := be.Name()
	for _, n := range []int{1, 5, 1000} {
		b := be.New(n)
		if b.Len() != n {
			t.Errorf("New(%d) on %s: Len() = %d", n, name, b.Len())
		}
		checkSame(t, fmt.Sprintf("New(%d) on %s is not zero", n, name), download(be, b), make([]float32, n))
	}

	special := []float32{nan, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)),
		math.SmallestNonzeroFloat32, -math.MaxFloat32, 1, -2.5}
	v := slices.Concat(special, normal(newRand("Buffer"), 92, 1)) // 100 values
	b := upload(be, v)
	checkSame(t, fmt.Sprintf("Upload then Download on %s", name), download(be, b), v)

	view := b.Slice(10, 20)
	if view.Len() != 20 {
		t.Errorf("Slice(10, 20) on %s: Len() = %d, want 20", name, view.Len())
	}
	checkSame(t, fmt.Sprintf("Download of Slice(10, 20) on %s", name), download(be, view), v[10:30])
	inner := view.Slice(5, 3)
	checkSame(t, fmt.Sprintf("Download of Slice(10, 20).Slice(5, 3) on %s", name), download(be, inner), v[15:18])

	want := slices.Clone(v)
	be.Upload(inner, []float32{7, 8, 9})
	copy(want[15:], []float32{7, 8, 9})
	checkSame(t, fmt.Sprintf("buffer after Upload into Slice(10, 20).Slice(5, 3) on %s", name), download(be, b), want)

	be.Zero(b.Slice(40, 10))
	clear(want[40:50])
	checkSame(t, fmt.Sprintf("buffer after Zero of Slice(40, 10) on %s", name), download(be, b), want)

	be.Copy(b.Slice(60, 10), b.Slice(0, 10))
	copy(want[60:70], want[0:10])
	checkSame(t, fmt.Sprintf("buffer after Copy from Slice(0, 10) to Slice(60, 10) on %s", name), download(be, b), want)

	other := be.New(30)
	be.Copy(other.Slice(5, 20), view)
	checkSame(t, fmt.Sprintf("Copy of Slice(10, 20) into Slice(5, 20) of another buffer on %s", name), download(be, other),
		slices.Concat(make([]float32, 5), want[10:30], make([]float32, 5)))

	for _, r := range [][2]int{{90, 11}, {101, 0}, {-1, 2}, {3, -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Slice(%d, %d) of a buffer of 100 values on %s did not panic", r[0], r[1], name)
				}
			}()
			b.Slice(r[0], r[1])
		}()
	}
}

// testSwapAxes01 checks, on a table of shapes, that SwapAxes01 moves each
// [A, B, F] value to its [B, A, F] place bit for bit, that swapping back
// restores the input, that it leaves src unchanged, and that it agrees with
// the reference.
func testSwapAxes01(t *testing.T, be, ref backend.Backend) {
	for _, s := range [][3]int{{1, 1, 1}, {3, 5, 2}, {7, 1, 4}, {1, 6, 3}, {13, 11, 7}, {28, 64, 28}} {
		a, b, f := s[0], s[1], s[2]
		t.Run(fmt.Sprintf("%dx%dx%d", a, b, f), func(t *testing.T) {
			src := normal(newRand("SwapAxes01", fmt.Sprint(s)), a*b*f, 1)
			swap := func(be backend.Backend, v []float32, a, b int) []float32 {
				in := upload(be, v)
				out := upload(be, filled(len(v), nan))
				be.SwapAxes01(out, in, a, b, f)
				checkOperands(t, be, fmt.Sprintf("SwapAxes01 on %s of [%d, %d, %d]", be.Name(), a, b, f), []operand{{"src", in, v}})
				return download(be, out)
			}
			what := fmt.Sprintf("SwapAxes01 on %s of [%d, %d, %d]", be.Name(), a, b, f)
			got := swap(be, src, a, b)
			want := make([]float32, len(src))
			for i := range a {
				for j := range b {
					copy(want[(j*a+i)*f:(j*a+i+1)*f], src[(i*b+j)*f:])
				}
			}
			checkSame(t, what, got, want)
			checkSame(t, what+", swapped back", swap(be, got, b, a), src)
			checkSame(t, what+" against the reference", got, swap(ref, src, a, b))
		})
	}
}
