package kernel

import "fmt"

// SumRows adds the n rows of x (leading dimension ldx), each len(s) values
// long, to s: the column sums a bias's gradient is. Where the CPU has
// them, vector kernels add 64 columns at a time; the rest is plain Go.
func SumRows(s, x []float32, n, ldx int) {
	w := len(s)
	if n == 0 || w == 0 {
		return
	}
	if len(x) < (n-1)*ldx+w {
		panic(fmt.Sprintf("kernel: SumRows: x has %d values, %d rows of %d with ldx %d need %d", len(x), n, w, ldx, (n-1)*ldx+w))
	}
	from := 0
	if k := sumRowsVector; k.add != nil && w >= k.width {
		from = w / k.width * k.width
		k.add(n, x, ldx, s, from/k.width)
	}
	for r := range n {
		row := x[r*ldx+from : r*ldx+w]
		for j, v := range row {
			s[from+j] += v
		}
	}
}

// rowsKernel is a vector kernel of SumRows: add adds the first
// width·chunks columns (chunks ≥ 1) of the n rows of x to s.
type rowsKernel struct {
	width int
	add   func(n int, x []float32, ldx int, s []float32, chunks int)
}

// sumRowsVector is SumRows's vector kernel: set where the target has one
// (kernels_amd64.go, kernels_wasmsimd.go), else with add nil.
var sumRowsVector rowsKernel
