package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lstm-digits/lstm-digits/mnist"
)

var update = flag.Bool("update", false, "rewrite the example images in testdata/ from MNIST")

// rendering is a way to draw an MNIST digit as a picture file.
type rendering struct {
	name        string
	jpeg        bool // JPEG, else PNG
	scale       int  // pixels of the picture per MNIST pixel
	darkOnLight bool // dark ink on light paper, else light ink on dark
	transparent bool // black ink on a transparent background (PNG only)
	margin      image.Point
}

// renderings are the pictures that predict must read.
var renderings = []rendering{
	{name: "mnist", scale: 1},
	{name: "dark-3x", scale: 3, darkOnLight: true},
	{name: "jpeg-5x", jpeg: true, scale: 5},
	{name: "jpeg-dark-2x-margins", jpeg: true, scale: 2, darkOnLight: true, margin: image.Pt(40, 7)},
	{name: "transparent-4x", scale: 4, transparent: true, margin: image.Pt(10, 10)},
	{name: "dark-10x", scale: 10, darkOnLight: true, margin: image.Pt(30, 0)},
}

// render draws the MNIST image px (Pixels bytes, 255 full ink) as r says,
// scaled up bilinearly, and encodes it.
func render(t *testing.T, px []uint8, r rendering) []byte {
	t.Helper()
	w, h := mnist.Cols*r.scale+2*r.margin.X, mnist.Rows*r.scale+2*r.margin.Y
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	at := func(x, y int) float64 {
		x, y = min(max(x, 0), mnist.Cols-1), min(max(y, 0), mnist.Rows-1)
		return float64(px[y*mnist.Cols+x])
	}
	for y := range h {
		for x := range w {
			// The MNIST coordinates of the pixel's centre.
			fx := (float64(x-r.margin.X)+0.5)/float64(r.scale) - 0.5
			fy := (float64(y-r.margin.Y)+0.5)/float64(r.scale) - 0.5
			var ink float64
			if fx > -1 && fx < mnist.Cols && fy > -1 && fy < mnist.Rows {
				x0, y0 := int(math.Floor(fx)), int(math.Floor(fy))
				ax, ay := fx-float64(x0), fy-float64(y0)
				ink = (1-ay)*((1-ax)*at(x0, y0)+ax*at(x0+1, y0)) + ay*((1-ax)*at(x0, y0+1)+ax*at(x0+1, y0+1))
			}
			v := uint8(math.Round(ink))
			switch {
			case r.transparent:
				img.Set(x, y, color.NRGBA{0, 0, 0, v})
			case r.darkOnLight:
				img.Set(x, y, color.NRGBA{255 - v, 255 - v, 255 - v, 255})
			default:
				img.Set(x, y, color.NRGBA{v, v, v, 255})
			}
		}
	}
	var b bytes.Buffer
	var err error
	if r.jpeg {
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 85})
	} else {
		err = png.Encode(&b, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeFile writes data to the file name in dir and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// predictLine is a line of predict's human output.
var predictLine = regexp.MustCompile(`^(.+): (\d)  \(p=([01]\.\d{3})\)  \[((?:1\.000|\.\d{3})(?: (?:1\.000|\.\d{3})){9})\]$`)

// TestPredictMNISTDigits draws real MNIST test digits, the first three of
// each digit, in each rendering, and checks that predict reads most of
// them right, in one call; then the same with --json.
func TestPredictMNISTDigits(t *testing.T) {
	test := testMNIST(t).Test
	dir := t.TempDir()
	var files []string
	label := map[string]int{}    // the true digit of each file
	drawn := map[string]string{} // the rendering of each file
	seen := make([]int, mnist.Classes)
	for i := 0; i < test.Len(); i++ {
		d := int(test.Labels[i])
		if seen[d] == 3 {
			continue
		}
		seen[d]++
		for _, r := range renderings {
			ext := ".png"
			if r.jpeg {
				ext = ".jpg"
			}
			path := writeFile(t, dir, fmt.Sprintf("%05d-%s%s", i, r.name, ext), render(t, test.Image(i), r))
			files = append(files, path)
			label[path], drawn[path] = d, r.name
		}
	}
	if len(files) != 3*mnist.Classes*len(renderings) {
		t.Fatalf("drew %d files", len(files))
	}

	code, stdout, stderr := runCommand(append([]string{"predict"}, files...)...)
	if code != 0 || stderr != "" {
		t.Fatalf("predict exited %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(files) {
		t.Fatalf("predict printed %d lines for %d files", len(lines), len(files))
	}
	right := map[string]int{} // by rendering
	human := map[string]int{} // the digit of each file
	for i, line := range lines {
		m := predictLine.FindStringSubmatch(line)
		if m == nil || m[1] != files[i] {
			t.Fatalf("line %d is %q, want %q: DIGIT  (p=P)  [10 probabilities]", i, line, files[i])
		}
		digit, _ := strconv.Atoi(m[2])
		if strings.TrimPrefix(m[3], "0") != strings.Fields(m[4])[digit] {
			t.Errorf("line %q: p is not the digit's probability", line)
		}
		human[files[i]] = digit
		if digit == label[files[i]] {
			right[drawn[files[i]]]++
		}
	}
	for _, r := range renderings {
		n := right[r.name]
		t.Logf("%-24s %d/30 right", r.name, n)
		if n < 27 {
			t.Errorf("%s: %d of 30 digits read right, want at least 27", r.name, n)
		}
	}

	code, stdout, stderr = runCommand(append([]string{"predict", "--json"}, files...)...)
	if code != 0 || stderr != "" {
		t.Fatalf("predict --json exited %d, stderr %q", code, stderr)
	}
	lines = strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(files) {
		t.Fatalf("predict --json printed %d lines for %d files", len(lines), len(files))
	}
	for i, line := range lines {
		var p prediction
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatalf("line %d, %q: %v", i, line, err)
		}
		checkPrediction(t, p)
		if p.File != files[i] || p.Digit != human[p.File] {
			t.Fatalf("line %d: %s: %d; the human output said %s: %d", i, p.File, p.Digit, files[i], human[files[i]])
		}
	}
}

// checkPrediction checks that p's probabilities are ten, sum to 1, and
// are highest at its digit.
func checkPrediction(t *testing.T, p prediction) {
	t.Helper()
	if len(p.Probabilities) != mnist.Classes {
		t.Fatalf("%s: %d probabilities", p.File, len(p.Probabilities))
	}
	sum := 0.0
	for _, q := range p.Probabilities {
		sum += q
		if q < 0 || q > p.Probabilities[p.Digit] {
			t.Fatalf("%s: digit %d, but probabilities %v", p.File, p.Digit, p.Probabilities)
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Fatalf("%s: probabilities sum to %v", p.File, sum)
	}
}

// pngHeader returns the start of a PNG file whose header claims a
// grayscale image of w×h pixels: the signature and a valid IHDR chunk.
func pngHeader(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32([]byte("IHDR"), w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit grayscale, no interlace
	b = binary.BigEndian.AppendUint32(b, uint32(len(ihdr)-4))
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

// TestPredictBadFiles checks that a file predict cannot read is named in
// a one-line error, exit code 1, after the lines of the files it could.
func TestPredictBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.png", render(t, testMNIST(t).Test.Image(0), rendering{scale: 2, darkOnLight: true}))
	var blank bytes.Buffer
	gray := image.NewGray(image.Rect(0, 0, 50, 40))
	for i := range gray.Pix {
		gray.Pix[i] = 200
	}
	if err := png.Encode(&blank, gray); err != nil {
		t.Fatal(err)
	}
	blankPNG := writeFile(t, dir, "blank.png", blank.Bytes())
	text := writeFile(t, dir, "notes.txt", []byte("seven\n"))
	empty := writeFile(t, dir, "empty.png", nil)
	huge := writeFile(t, dir, "huge.png", pngHeader(100_000, 100_000))
	large := writeFile(t, dir, "large.png", pngHeader(9000, 9000))
	truncated := writeFile(t, dir, "truncated.png", pngHeader(28, 28)[:20])
	missing := filepath.Join(dir, "missing.png")

	cases := []struct {
		name   string
		files  []string
		stdout int    // lines on stdout
		stderr string // substring of the single stderr line
	}{
		{"blank", []string{blankPNG}, 0, blankPNG + ": no ink found"},
		{"text", []string{text}, 0, text + ": not a PNG or JPEG image"},
		{"empty", []string{empty}, 0, empty + ": not a PNG or JPEG image"},
		{"huge", []string{huge}, 0, huge + ": image is 100000×100000 pixels, a side longer than the limit of 10000"},
		{"large", []string{large}, 0, large + ": image is 9000×9000 pixels, more than the limit of 25000000 pixels"},
		{"truncated", []string{truncated}, 0, truncated + ": reading the PNG header"},
		{"missing", []string{missing}, 0, missing + ": no such file or directory"},
		{"directory", []string{dir}, 0, dir + ": is a directory"},
		{"good and bad", []string{text, good, missing}, 1,
			"2 of 3 files failed: " + text + ": not a PNG or JPEG image; " + missing + ": no such file or directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCommand(append([]string{"predict"}, tc.files...)...)
			if code != exitFailure {
				t.Fatalf("exit code %d, want %d (stderr %q)", code, exitFailure, stderr)
			}
			checkStderrLine(t, stderr, tc.stderr)
			if n := strings.Count(stdout, "\n"); n != tc.stdout || (n > 0 && !strings.HasPrefix(stdout, good+": 7  (p=")) {
				t.Fatalf("stdout %q: want %d lines, reading %s as 7", stdout, tc.stdout, good)
			}
		})
	}
}

// exampleName is the name of an example image in testdata/: the digit it
// shows, then how it is drawn.
var exampleName = regexp.MustCompile(`^(\d)-[a-z0-9-]+\.(png|jpg)$`)

// TestPredictExamples reads the example images in testdata/, which need
// no MNIST files; -update draws them anew from MNIST test digits.
func TestPredictExamples(t *testing.T) {
	if *update {
		test := testMNIST(t).Test
		for _, ex := range []struct {
			index int // in the MNIST test set
			r     rendering
		}{
			{0, rendering{name: "dark-on-light", scale: 4, darkOnLight: true, margin: image.Pt(12, 4)}},
			{1, rendering{name: "white-on-black", jpeg: true, scale: 3}},
			{4, rendering{name: "transparent", scale: 3, transparent: true, margin: image.Pt(6, 6)}},
		} {
			ext := ".png"
			if ex.r.jpeg {
				ext = ".jpg"
			}
			writeFile(t, "testdata", fmt.Sprintf("%d-%s%s", test.Labels[ex.index], ex.r.name, ext), render(t, test.Image(ex.index), ex.r))
		}
	}
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if exampleName.MatchString(e.Name()) {
			files = append(files, filepath.Join("testdata", e.Name()))
		}
	}
	if len(files) < 3 {
		t.Fatalf("%d example images in testdata/, want 3 (go test -run TestPredictExamples -update)", len(files))
	}
	code, stdout, stderr := runCommand(append([]string{"predict", "--json"}, files...)...)
	if code != 0 || stderr != "" {
		t.Fatalf("predict exited %d, stderr %q", code, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	for _, f := range files {
		var p prediction
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("predict --json printed %q: %v", stdout, err)
		}
		checkPrediction(t, p)
		if want := int(filepath.Base(f)[0] - '0'); p.File != f || p.Digit != want {
			t.Errorf("%s: read %d, want %d", p.File, p.Digit, want)
		}
	}
}
