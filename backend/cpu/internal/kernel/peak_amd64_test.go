package kernel

import (
	"testing"

	"golang.org/x/sys/cpu"
)

// BenchmarkPeak measures the core's FMA throughput with 12 independent
// accumulators (GFLOP/s, 2 per lane of each FMA): the ceiling that the
// products' rates in NOTES.md are set against. Run it with -cpu 1 and
// again with -cpu 2 -benchtime to see whether the second core is free.
func BenchmarkPeak(b *testing.B) {
	for _, p := range []struct {
		name  string
		has   bool
		lanes int
		run   func(int)
	}{
		{"avx512", cpu.X86.HasAVX512F, 16, fmaPeakAVX512},
		{"avx2", cpu.X86.HasAVX2 && cpu.X86.HasFMA, 8, fmaPeakAVX2},
	} {
		if !p.has {
			continue
		}
		b.Run(p.name, func(b *testing.B) {
			const rounds = 1 << 16
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					p.run(rounds)
				}
			})
			b.ReportMetric(float64(b.N)*rounds*12*float64(p.lanes)*2/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
