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
	if sumRowsVector != nil {
		from = w / 64 * 64
		sumRowsVector(n, x, ldx, s, from/64)
	}
	for r := range n {
		row := x[r*ldx+from : r*ldx+w]
		for j, v := range row {
			s[from+j] += v
		}
	}
}

// sumRowsVector is SumRows's vector kernel, which adds the first 64·chunks
// columns: set where the CPU has one (kernels_amd64.go), else nil.
var sumRowsVector func(n int, x []float32, ldx int, s []float32, chunks int)
