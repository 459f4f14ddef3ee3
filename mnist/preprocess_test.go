package mnist

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// A stroke is a line segment in the unit square, y down.
type stroke struct{ x0, y0, x1, y1 float64 }

// seven is a 7 with a cross-bar, asymmetric both ways, so that a flip or a
// transposition shows.
var seven = []stroke{{0.1, 0.05, 0.9, 0.05}, {0.9, 0.05, 0.35, 0.95}, {0.4, 0.5, 0.85, 0.5}}

// coverage returns the ink coverage, in [0, 1], of each pixel of a w×h
// picture of the strokes drawn in the square of side size pixels at
// (x, y), with lines size/10 pixels thick, anti-aliased by sampling 4×4
// points per pixel.
func coverage(strokes []stroke, w, h int, x, y, size float64) []float64 {
	const samples = 4
	cov := make([]float64, w*h)
	half := size / 20
	for py := range h {
		for px := range w {
			hits := 0
			for sy := range samples {
				for sx := range samples {
					u := (float64(px) + (float64(sx)+0.5)/samples - x) / size
					v := (float64(py) + (float64(sy)+0.5)/samples - y) / size
					for _, s := range strokes {
						if segmentDistance(u, v, s)*size <= half {
							hits++
							break
						}
					}
				}
			}
			cov[py*w+px] = float64(hits) / (samples * samples)
		}
	}
	return cov
}

// segmentDistance returns the distance from (u, v) to the segment s.
func segmentDistance(u, v float64, s stroke) float64 {
	dx, dy := s.x1-s.x0, s.y1-s.y0
	t := ((u-s.x0)*dx + (v-s.y0)*dy) / (dx*dx + dy*dy)
	t = min(max(t, 0), 1)
	return math.Hypot(u-s.x0-t*dx, v-s.y0-t*dy)
}

// grayImage returns the w×h coverage cov as a gray image with ink of the
// gray level ink on a background of the level bg.
func grayImage(cov []float64, w, h int, ink, bg uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i, c := range cov {
		img.Pix[i] = uint8(math.Round(float64(bg) + c*(float64(ink)-float64(bg))))
	}
	return img
}

// canvasImage returns the w×h coverage cov as a browser canvas draws it:
// ink of the given colour, opaque where the coverage is full, on a
// transparent background.
func canvasImage(cov []float64, w, h int, ink color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i, c := range cov {
		ink.A = uint8(math.Round(c * 255))
		img.SetNRGBA(i%w, i/w, ink)
	}
	return img
}

// meanAbsDiff returns the mean absolute difference of a and b.
func meanAbsDiff(a, b []float32) float64 {
	var sum float64
	for i := range a {
		sum += math.Abs(float64(a[i] - b[i]))
	}
	return sum / float64(len(a))
}

// checkMNISTStyle checks the properties that every output of Preprocess
// has: 28×28 values in [0, 1], ink within a 20×20 box that it fills in one
// direction, and the centre of mass within half a pixel of (14, 14).
func checkMNISTStyle(t *testing.T, v []float32) {
	t.Helper()
	if len(v) != Pixels {
		t.Fatalf("%d values, want %d", len(v), Pixels)
	}
	var sum, sx, sy float64
	for i, l := range v {
		if !(l >= 0 && l <= 1) {
			t.Fatalf("value %v at %d, outside [0, 1]", l, i)
		}
		sum += float64(l)
		sx += float64(l) * float64(i%Cols)
		sy += float64(l) * float64(i/Cols)
	}
	if cx, cy := sx/sum, sy/sum; math.Abs(cx-centreX) > 0.5 || math.Abs(cy-centreY) > 0.5 {
		t.Errorf("centre of mass (%.2f, %.2f), want within 0.5 of (%v, %v)", cx, cy, centreX, centreY)
	}
	box, _ := inkBox(v, Cols, Rows)
	if side := max(box.Dx(), box.Dy()); side < fitSide-1 || side > fitSide {
		t.Errorf("ink in %v, %d pixels on its longer side, want %d", box, side, fitSide)
	}
}

// TestPreprocessDrawn preprocesses the same drawn digit at other sizes and
// places, dark on light, and on a transparent canvas, and compares each
// with the digit drawn large, centred, white on black.
func TestPreprocessDrawn(t *testing.T) {
	want, err := Preprocess(grayImage(coverage(seven, 280, 280, 40, 40, 200), 280, 280, 255, 0))
	if err != nil {
		t.Fatal(err)
	}
	checkMNISTStyle(t, want)

	// The tolerances are on the mean absolute difference, a few times that
	// measured (in the test's log).
	tests := []struct {
		name      string
		img       image.Image
		tolerance float64
	}{
		{"small, off-centre", grayImage(coverage(seven, 280, 280, 10, 150, 60), 280, 280, 255, 0), 0.001},
		{"as small as MNIST's", grayImage(coverage(seven, 64, 48, 30, 5, 20), 64, 48, 255, 0), 0.005},
		{"smaller than MNIST's", grayImage(coverage(seven, 64, 48, 30, 5, 14), 64, 48, 255, 0), 0.08},
		{"dark on light", grayImage(coverage(seven, 280, 280, 40, 40, 200), 280, 280, 0, 255), 0.001},
		{"pencil on grey paper", grayImage(coverage(seven, 300, 400, 120, 200, 150), 300, 400, 90, 200), 0.01},
		{"black ink on a transparent canvas", canvasImage(coverage(seven, 280, 280, 70, 20, 180), 280, 280, color.NRGBA{0, 0, 0, 0}), 0.001},
		{"white ink on a transparent canvas", canvasImage(coverage(seven, 280, 280, 70, 20, 180), 280, 280, color.NRGBA{255, 255, 255, 0}), 0.001},
		{"blue ink on a transparent canvas", canvasImage(coverage(seven, 280, 280, 70, 20, 180), 280, 280, color.NRGBA{20, 40, 200, 0}), 0.001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Preprocess(tt.img)
			if err != nil {
				t.Fatal(err)
			}
			checkMNISTStyle(t, got)
			d := meanAbsDiff(got, want)
			t.Logf("mean absolute difference %.4f", d)
			if d > tt.tolerance {
				t.Errorf("mean absolute difference %.4f from the large centred drawing, want at most %v", d, tt.tolerance)
			}
		})
	}
}

// mnistGray returns an MNIST image as a gray image, white ink on black.
func mnistGray(img []uint8) *image.Gray {
	return &image.Gray{Pix: img, Stride: Cols, Rect: image.Rect(0, 0, Cols, Rows)}
}

// TestPreprocessMNIST checks that Preprocess leaves MNIST's own images
// nearly as they are.
func TestPreprocessMNIST(t *testing.T) {
	data, _ := realData(t)
	const n = 1000
	// Most images come back exactly; a few are scaled by a pixel, where
	// faint ink beyond the threshold widened their bounding box.
	const tolerance, worstTolerance = 0.002, 0.2 // measured: 0.00054 and 0.1116
	var sum, worst float64
	want := make([]float32, n*Pixels)
	data.Test.Fill(want, make([]int, n), seq(n))
	for i := range n {
		got, err := Preprocess(mnistGray(data.Test.Image(i)))
		if err != nil {
			t.Fatalf("image %d: %v", i, err)
		}
		d := meanAbsDiff(got, want[i*Pixels:(i+1)*Pixels])
		sum += d
		worst = max(worst, d)
	}
	t.Logf("mean absolute difference over the first %d test images: %.5f on average, %.5f at worst", n, sum/n, worst)
	if sum/n > tolerance || worst > worstTolerance {
		t.Errorf("mean absolute difference %.5f on average, %.5f at worst; want at most %v and %v", sum/n, worst, tolerance, worstTolerance)
	}
}

// seq returns 0, 1, …, n-1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// scaledDigit returns the ink coverage of a w×h picture of an MNIST image
// scaled by k, nearest neighbour, with its top-left corner at (x, y).
func scaledDigit(img []uint8, w, h int, k float64, x, y int) []float64 {
	cov := make([]float64, w*h)
	for py := range h {
		for px := range w {
			i, j := int(float64(py-y)/k), int(float64(px-x)/k)
			if py >= y && px >= x && i < Rows && j < Cols {
				cov[py*w+px] = float64(img[i*Cols+j]) / 255
			}
		}
	}
	return cov
}

// TestPreprocessMNISTRedrawn redraws MNIST test digits larger or smaller,
// elsewhere, dark on light or on a transparent canvas, and checks that
// Preprocess gives back nearly the original.
func TestPreprocessMNISTRedrawn(t *testing.T) {
	data, _ := realData(t)
	const n = 200
	tests := []struct {
		name      string
		draw      func(img []uint8) image.Image
		tolerance float64 // on the mean absolute difference, averaged: a few times that measured (in the test's log)
	}{
		{"10×, filling the canvas", func(img []uint8) image.Image {
			return grayImage(scaledDigit(img, 280, 280, 10, 0, 0), 280, 280, 255, 0)
		}, 0.002},
		{"3×, off-centre", func(img []uint8) image.Image {
			return grayImage(scaledDigit(img, 280, 280, 3, 10, 180), 280, 280, 255, 0)
		}, 0.002},
		{"2×, dark on light", func(img []uint8) image.Image {
			return grayImage(scaledDigit(img, 280, 280, 2, 200, 20), 280, 280, 0, 255)
		}, 0.002},
		{"7.5×, dark on light", func(img []uint8) image.Image {
			return grayImage(scaledDigit(img, 280, 280, 7.5, 30, 40), 280, 280, 0, 255)
		}, 0.02},
		{"1×, in a corner of a large canvas", func(img []uint8) image.Image {
			return grayImage(scaledDigit(img, 280, 280, 1, 250, 250), 280, 280, 255, 0)
		}, 0.002},
		{"5.3×, grey on grey", func(img []uint8) image.Image {
			return grayImage(scaledDigit(img, 400, 300, 5.3, 100, 20), 400, 300, 60, 180)
		}, 0.03},
		{"10×, black ink on a transparent canvas", func(img []uint8) image.Image {
			return canvasImage(scaledDigit(img, 280, 280, 10, 0, 0), 280, 280, color.NRGBA{0, 0, 0, 0})
		}, 0.002},
	}
	want := make([]float32, n*Pixels)
	data.Test.Fill(want, make([]int, n), seq(n))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sum, worst float64
			for i := range n {
				got, err := Preprocess(tt.draw(data.Test.Image(i)))
				if err != nil {
					t.Fatalf("image %d: %v", i, err)
				}
				d := meanAbsDiff(got, want[i*Pixels:(i+1)*Pixels])
				sum += d
				worst = max(worst, d)
			}
			t.Logf("mean absolute difference over the first %d test images: %.5f on average, %.5f at worst", n, sum/n, worst)
			if sum/n > tt.tolerance {
				t.Errorf("mean absolute difference %.5f on average, want at most %v", sum/n, tt.tolerance)
			}
		})
	}
}

func TestPreprocessErrors(t *testing.T) {
	uniform := image.NewGray(image.Rect(0, 0, 50, 50))
	for i := range uniform.Pix {
		uniform.Pix[i] = 128
	}
	faint := grayImage(coverage(seven, 50, 50, 5, 5, 40), 50, 50, 130, 128)
	tests := []struct {
		name string
		img  image.Image
		want string
	}{
		{"nil", nil, "mnist: no image"},
		{"no pixels", image.NewGray(image.Rect(3, 3, 3, 10)), "mnist: image is 0×7 pixels, empty"},
		{"black", image.NewGray(image.Rect(0, 0, 28, 28)), "mnist: no ink found"},
		{"grey", uniform, "mnist: no ink found"},
		{"faint", faint, "mnist: no ink found"},
		{"transparent", image.NewNRGBA(image.Rect(0, 0, 280, 280)), "mnist: no ink found"},
		{"too wide", image.NewUniform(color.White), "mnist: image is 2000000000×2000000000 pixels, a side longer than the limit of 10000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Preprocess(tt.img)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %v, want %q", err, tt.want)
			}
			if got != nil {
				t.Errorf("output along with the error")
			}
		})
	}
}

// A single ink pixel anywhere, in an image whose bounds do not start at
// (0, 0), becomes a 20×20 square at the centre.
func TestPreprocessDot(t *testing.T) {
	img := image.NewGray(image.Rect(-5, 10, 95, 60))
	img.SetGray(80, 12, color.Gray{255})
	got, err := Preprocess(img)
	if err != nil {
		t.Fatal(err)
	}
	checkMNISTStyle(t, got)
	var rows []string
	for y := range Rows {
		var row strings.Builder
		for _, v := range got[y*Cols : (y+1)*Cols] {
			row.WriteByte(".#"[int(v)])
		}
		rows = append(rows, row.String())
	}
	for y, row := range rows {
		want := strings.Repeat(".", Cols)
		if y >= 5 && y < 25 {
			want = "....." + strings.Repeat("#", 20) + "..."
		}
		if row != want {
			t.Errorf("row %2d: %s\n          want %s", y, row, want)
		}
	}
}

// opaqueType hides an image's concrete type, so that luminance reads it
// through its methods.
type opaqueType struct{ image.Image }

// TestLuminanceNRGBA checks that luminance reads an *image.NRGBA from its
// bytes exactly as through its methods: random colours and alphas, on a
// rectangle that does not start at the origin.
func TestLuminanceNRGBA(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	img := image.NewNRGBA(image.Rect(3, 5, 283, 285))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.IntN(256))
	}
	img.Set(10, 10, color.NRGBA{255, 255, 255, 255})
	img.Set(11, 10, color.NRGBA{255, 255, 255, 0})
	fastL, fastA := luminance(img)
	slowL, slowA := luminance(opaqueType{img})
	if !slices.Equal(fastL, slowL) || !slices.Equal(fastA, slowA) {
		t.Fatal("an NRGBA image's luminance from its bytes differs from that through its methods")
	}
}

// BenchmarkPreprocessCanvas times Preprocess on what the web app's canvas
// gives it: a 280×280 NRGBA drawing of a 7, dark ink on transparent.
func BenchmarkPreprocessCanvas(b *testing.B) {
	img := canvasImage(coverage(seven, 280, 280, 40, 40, 200), 280, 280, color.NRGBA{20, 20, 20, 255})
	for b.Loop() {
		if _, err := Preprocess(img); err != nil {
			b.Fatal(err)
		}
	}
}
