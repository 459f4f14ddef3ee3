package mnist

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"
)

// pngHeader returns the start of a PNG file: its signature and an IHDR
// chunk that claims a w×h 8-bit gray image, with no image data after it.
func pngHeader(w, h uint32) []byte {
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // bit depth 8, gray, deflate, no filter, no interlace
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, uint32(len(ihdr)-4))
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

// encoded returns img encoded by encode.
func encoded(t *testing.T, img image.Image, encode func(io.Writer, image.Image) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// endless reads as an endless run of zero bytes, and fails the test if
// more than limit bytes are read from it.
type endless struct {
	t     *testing.T
	n     int
	limit int
}

func (r *endless) Read(p []byte) (int, error) {
	r.n += len(p)
	if r.n > r.limit {
		r.t.Errorf("read %d bytes, more than the %d expected", r.n, r.limit)
		return 0, io.ErrUnexpectedEOF
	}
	clear(p)
	return len(p), nil
}

func TestDecodeImage(t *testing.T) {
	digit := grayImage(coverage(seven, 60, 40, 10, 5, 30), 60, 40, 0, 255)
	tests := []struct {
		name string
		file []byte
	}{
		{"PNG", encoded(t, digit, png.Encode)},
		{"JPEG", encoded(t, digit, func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, &jpeg.Options{Quality: 90}) })},
		{"PNG with alpha", encoded(t, canvasImage(coverage(seven, 60, 40, 10, 5, 30), 60, 40, color.NRGBA{}), png.Encode)},
	}
	want, err := Preprocess(digit)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := DecodeImage(bytes.NewReader(tt.file), 0)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != 60 || b.Dy() != 40 {
				t.Fatalf("image is %v, want 60×40", b)
			}
			got, err := Preprocess(img)
			if err != nil {
				t.Fatal(err)
			}
			if d := meanAbsDiff(got, want); d > 0.01 {
				t.Errorf("preprocessed, it differs from the original by %.4f on average", d)
			}
		})
	}
}

func TestDecodeImageRefused(t *testing.T) {
	small := encoded(t, image.NewGray(image.Rect(0, 0, 30, 20)), png.Encode)
	tests := []struct {
		name      string
		file      []byte
		maxPixels int
		want      string
	}{
		{"huge PNG", pngHeader(100000, 100000), 0, "mnist: image is 100000×100000 pixels, a side longer than the limit of 10000"},
		{"wide PNG", pngHeader(10001, 1), 0, "mnist: image is 10001×1 pixels, a side longer than the limit of 10000"},
		{"PNG over the default limit", pngHeader(6000, 5000), 0, "mnist: image is 6000×5000 pixels, more than the limit of 25000000 pixels"},
		{"PNG over the given limit", small, 599, "mnist: image is 30×20 pixels, more than the limit of 599 pixels"},
		{"huge JPEG", jpegHeader(10000, 60000), 0, "mnist: image is 10000×60000 pixels, a side longer than the limit of 10000"},
		{"empty", nil, 0, "mnist: not a PNG or JPEG image"},
		{"text", []byte("hello, world"), 0, "mnist: not a PNG or JPEG image"},
		{"GIF", encoded(t, image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black}), func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) }), 0,
			"mnist: not a PNG or JPEG image"},
		{"PNG signature only", []byte("\x89PNG\r\n\x1a\n"), 0, "mnist: reading the PNG header: unexpected EOF"},
		{"PNG header with a bad checksum", flip(pngHeader(10, 10), -1), 0, "mnist: reading the PNG header: png: invalid format: invalid checksum"},
		{"PNG without data", pngHeader(10, 10), 0, "mnist: decoding the PNG image: unexpected EOF"},
		{"PNG cut short", small[:len(small)-20], 0, "mnist: decoding the PNG image: "},
		{"JPEG marker only", []byte{0xff, 0xd8}, 0, "mnist: reading the JPEG header: unexpected EOF"},
		{"JPEG without data", jpegHeader(100, 100), 0, "mnist: decoding the JPEG image: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := DecodeImage(bytes.NewReader(tt.file), tt.maxPixels)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
			if img != nil {
				t.Error("image along with the error")
			}
		})
	}
}

// jpegHeader returns the start of a baseline JPEG file that claims a w×h
// gray image: its start-of-image marker, a start-of-frame segment and the
// marker and length of a start-of-scan segment, with no image data.
func jpegHeader(w, h uint16) []byte {
	b := []byte{0xff, 0xd8, 0xff, 0xc0, 0, 11, 8}
	b = binary.BigEndian.AppendUint16(b, h)
	b = binary.BigEndian.AppendUint16(b, w)
	b = append(b, 1, 1, 0x11, 0) // one component: id 1, 1×1 sampling, table 0
	return append(b, 0xff, 0xda, 0, 8)
}

// A PNG header that claims a huge image is refused after reading the
// header, without reading or allocating for the rest.
func TestDecodeImageReadsOnlyTheHeader(t *testing.T) {
	r := io.MultiReader(bytes.NewReader(pngHeader(100000, 100000)), &endless{t: t, limit: 1 << 16})
	var err error
	if n := allocated(func() { _, err = DecodeImage(r, 0) }); n > 1<<20 {
		t.Errorf("allocated %d bytes", n)
	}
	if err == nil {
		t.Error("no error")
	}
}
