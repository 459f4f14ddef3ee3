package mnist

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
)

// Preprocessing parameters, those of the MNIST digits: each digit's
// bounding box was scaled to fit a 20×20 box, anti-aliased, and placed in
// the 28×28 image with its centre of mass at the centre.
const (
	// fitSide is the side of the square, in pixels, that the bounding box
	// of the ink is scaled to fit.
	fitSide = 20
	// inkThreshold is the ink level, after the background is removed and
	// the darkest-to-brightest range stretched to [0, 1], above which a
	// pixel counts towards the bounding box.
	inkThreshold = 0.1
	// minContrast is the smallest difference between the background and
	// the brightest ink for a picture to hold ink at all.
	minContrast = 0.05
)

// centreX and centreY are where Preprocess puts the centre of mass, in
// pixels, column and row: where the MNIST digits have theirs (on average
// (14.01, 14.00) over the training set).
const centreX, centreY = 14.0, 14.0

// MaxSide is the longest side, in pixels, of an image that Preprocess and
// DecodeImage accept.
const MaxSide = 10_000

// Preprocess turns a picture of one digit into an MNIST-style input:
// 28×28 values in [0, 1], row-major, white ink (1) on black (0), as
// Set.Fill writes them. It works on photos and scans as well as on drawings
// on a canvas:
//
//   - The picture is made gray; transparent pixels are background, so a
//     drawing of black ink on a transparent canvas works, as does white ink.
//   - The background is the median of the border pixels: if it is light,
//     the picture is inverted, dark ink on light paper becoming light on
//     dark. Then the background level is subtracted and the range up to the
//     brightest ink stretched to [0, 1].
//   - The bounding box of the ink (pixels above 0.1) is scaled to fit in
//     20×20, keeping its aspect ratio, by area averaging: each output pixel
//     is the mean of the part of the picture that it covers.
//   - It is placed in the 28×28 image with its centre of mass, rounded to a
//     whole pixel, at the centre; ink shifted past the edge is cut off.
//
// A picture without ink (nothing that differs from its background by 5% of
// the range from black to white) is an error, as is one with a side longer
// than MaxSide. Preprocess allocates 4 bytes per pixel of img.
func Preprocess(img image.Image) ([]float32, error) {
	if img == nil {
		return nil, errors.New("mnist: no image")
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if err := checkSize(w, h, MaxSide*MaxSide); err != nil {
		return nil, err
	}
	ink := inkLevels(img)
	box, ok := inkBox(ink, w, h)
	if !ok {
		return nil, errors.New("mnist: no ink found")
	}
	small, sw, sh := fit(ink, w, box)
	return centre(small, sw, sh), nil
}

// checkSize returns an error unless an image of w×h pixels has sides of 1
// to MaxSide pixels and at most maxPixels pixels in all.
func checkSize(w, h, maxPixels int) error {
	switch {
	case w < 1 || h < 1:
		return fmt.Errorf("mnist: image is %d×%d pixels, empty", w, h)
	case w > MaxSide || h > MaxSide:
		return fmt.Errorf("mnist: image is %d×%d pixels, a side longer than the limit of %d", w, h, MaxSide)
	case w*h > maxPixels:
		return fmt.Errorf("mnist: image is %d×%d pixels, more than the limit of %d pixels", w, h, maxPixels)
	}
	return nil
}

// inkLevels returns the ink level of every pixel of img, row-major: 0 the
// background and 1 the strongest ink.
func inkLevels(img image.Image) []float32 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	lum, alpha := luminance(img)

	// Transparent pixels are background: lay the picture on white if its
	// visible colours are dark on average, on black if they are light.
	var lumSum, alphaSum float64
	for i, l := range lum {
		lumSum += float64(l)
		alphaSum += float64(alpha[i])
	}
	var under float32
	if alphaSum > 0 && lumSum/alphaSum < 0.5 {
		under = 1
	}
	for i, a := range alpha {
		lum[i] += (1 - a) * under
	}

	// The border's median is the background; light backgrounds are
	// inverted, so that ink is light on dark.
	bg := median(border(lum, w, h))
	if bg > 0.5 {
		for i, l := range lum {
			lum[i] = 1 - l
		}
		bg = 1 - bg
	}
	peak := slices.Max(lum)
	if peak-bg < minContrast {
		clear(lum)
		return lum
	}
	for i, l := range lum {
		lum[i] = min(max((l-bg)/(peak-bg), 0), 1)
	}
	return lum
}

// luminance returns the luminance, premultiplied by alpha, and the alpha
// of every pixel of img, row-major, each in [0, 1]. An *image.NRGBA (what
// a canvas gives the web app) is read from its bytes with the arithmetic
// of color.NRGBA.RGBA, 78,400 pixels of a drawing in one pass, where
// reading it pixel by pixel through its methods took most of a
// prediction's time in the page; other images through RGBA64At or At.
func luminance(img image.Image) (lum, alpha []float32) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	lum, alpha = make([]float32, w*h), make([]float32, w*h)
	set := func(i int, r, g, bl, a uint32) {
		lum[i] = (0.299*float32(r) + 0.587*float32(g) + 0.114*float32(bl)) / 0xffff
		alpha[i] = float32(a) / 0xffff
	}
	if m, ok := img.(*image.NRGBA); ok {
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				p := row[4*x : 4*x+4 : 4*x+4]
				a := uint32(p[3])
				r, g, bl := uint32(p[0])*0x101*a/0xff, uint32(p[1])*0x101*a/0xff, uint32(p[2])*0x101*a/0xff
				set(y*w+x, r, g, bl, a*0x101)
			}
		}
		return lum, alpha
	}
	at := rgba64At(img)
	for y := range h {
		for x := range w {
			c := at(b.Min.X+x, b.Min.Y+y)
			set(y*w+x, uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A))
		}
	}
	return lum, alpha
}

// rgba64At returns a function that reads a pixel of img without allocating
// where img has RGBA64At, else through At.
func rgba64At(img image.Image) func(x, y int) color.RGBA64 {
	if m, ok := img.(image.RGBA64Image); ok {
		return m.RGBA64At
	}
	return func(x, y int) color.RGBA64 {
		r, g, b, a := img.At(x, y).RGBA()
		return color.RGBA64{uint16(r), uint16(g), uint16(b), uint16(a)}
	}
}

// border returns the values on the border of the w×h image v.
func border(v []float32, w, h int) []float32 {
	var out []float32
	for y := range h {
		if y == 0 || y == h-1 {
			out = append(out, v[y*w:(y+1)*w]...)
		} else {
			out = append(out, v[y*w], v[y*w+w-1])
		}
	}
	return out
}

// median returns the median of v, which it sorts; v is not empty.
func median(v []float32) float32 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// inkBox returns the bounding box of the pixels of the w×h image v above
// inkThreshold, and whether there are any.
func inkBox(v []float32, w, h int) (image.Rectangle, bool) {
	box := image.Rectangle{Min: image.Pt(w, h)}
	for y := range h {
		for x, l := range v[y*w : (y+1)*w] {
			if l > inkThreshold {
				box.Min.X, box.Max.X = min(box.Min.X, x), max(box.Max.X, x+1)
				box.Min.Y, box.Max.Y = min(box.Min.Y, y), max(box.Max.Y, y+1)
			}
		}
	}
	return box, !box.Empty()
}

// fit scales the part box of the image v, of width w, to fit in
// fitSide×fitSide pixels keeping its aspect ratio, by area averaging, and
// returns the result and its width and height.
func fit(v []float32, w int, box image.Rectangle) (out []float32, ow, oh int) {
	bw, bh := box.Dx(), box.Dy()
	s := float64(fitSide) / float64(max(bw, bh)) // output pixels per input pixel
	xTaps, yTaps := boxTaps(bw, s), boxTaps(bh, s)
	ow, oh = len(xTaps), len(yTaps)

	// Rows first, then columns.
	rows := make([]float32, bh*ow)
	for y := range bh {
		src := v[(box.Min.Y+y)*w+box.Min.X:]
		for j, taps := range xTaps {
			var sum float32
			for _, t := range taps {
				sum += t.w * src[t.i]
			}
			rows[y*ow+j] = sum
		}
	}
	out = make([]float32, oh*ow)
	for i, taps := range yTaps {
		for _, t := range taps {
			for j, r := range rows[t.i*ow : (t.i+1)*ow] {
				out[i*ow+j] += t.w * r
			}
		}
	}
	return out, ow, oh
}

// A tap is one input pixel's share of an output pixel.
type tap struct {
	i int     // the input pixel
	w float32 // the fraction of the output pixel that it covers
}

// boxTaps returns the taps of a box filter that scales n input pixels by s:
// output pixel j covers the input interval [j/s, (j+1)/s), cut at n.
func boxTaps(n int, s float64) [][]tap {
	m := int(math.Ceil(float64(n)*s - 1e-9))
	taps := make([][]tap, m)
	for j := range taps {
		lo, hi := float64(j)/s, min(float64(j+1)/s, float64(n))
		for i := int(lo); i < n && float64(i) < hi; i++ {
			if overlap := min(hi, float64(i+1)) - max(lo, float64(i)); overlap > 0 {
				taps[j] = append(taps[j], tap{i, float32(overlap * s)})
			}
		}
	}
	return taps
}

// centre places the w×h image v in a Rows×Cols image with its centre of
// mass, rounded to whole pixels, at (centreX, centreY), cutting off what
// falls outside.
func centre(v []float32, w, h int) []float32 {
	var sum, sx, sy float64
	for y := range h {
		for x, l := range v[y*w : (y+1)*w] {
			sum += float64(l)
			sx += float64(l) * float64(x)
			sy += float64(l) * float64(y)
		}
	}
	dx := int(math.Round(centreX - sx/sum))
	dy := int(math.Round(centreY - sy/sum))
	out := make([]float32, Pixels)
	for y := max(0, -dy); y < h && y+dy < Rows; y++ {
		for x := max(0, -dx); x < w && x+dx < Cols; x++ {
			out[(y+dy)*Cols+x+dx] = min(max(v[y*w+x], 0), 1)
		}
	}
	return out
}
