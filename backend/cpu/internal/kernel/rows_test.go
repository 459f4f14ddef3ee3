package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSumRows checks SumRows against sums in float64, at widths below,
// at and past the vector kernel's 64 columns, with a leading dimension
// wider than the rows.
func TestSumRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct{ n, w, ldx int }{{0, 5, 5}, {1, 1, 1}, {3, 63, 70}, {7, 64, 64}, {100, 512, 512}, {13, 130, 200}, {2800, 28, 28}} {
		t.Run(fmt.Sprint(c.n, "x", c.w, "/", c.ldx), func(t *testing.T) {
			x := randSlice(rng, max(1, (c.n-1)*c.ldx+c.w))
			s := randSlice(rng, c.w)
			want := make([]float64, c.w)
			for j := range want {
				want[j] = float64(s[j])
				for r := range c.n {
					want[j] += float64(x[r*c.ldx+j])
				}
			}
			SumRows(s, x, c.n, c.ldx)
			for j, v := range s {
				if d := math.Abs(float64(v) - want[j]); d > 1e-5*float64(c.n+1) {
					t.Fatalf("column %d: %g, want %g", j, v, want[j])
				}
			}
		})
	}
}
