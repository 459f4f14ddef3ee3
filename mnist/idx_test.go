package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"runtime"
	"strings"
	"testing"
)

// idxFile returns an IDX file with the given magic number, dimensions and
// data bytes.
func idxFile(magic uint32, dims []uint32, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

// imageFile returns an IDX image file of n 28×28 images holding data.
func imageFile(n uint32, data []byte) []byte {
	return idxFile(magicImages, []uint32{n, Rows, Cols}, data)
}

// labelFile returns an IDX label file of n labels holding data.
func labelFile(n uint32, data ...byte) []byte {
	return idxFile(magicLabels, []uint32{n}, data)
}

// gzipped returns b gzip-compressed.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// corruptGzip returns a gzip stream that holds plain in a stored block,
// then a deflate block of the reserved type 3, which is corrupt.
func corruptGzip(plain []byte) []byte {
	b := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}
	b = append(b, 0) // a stored block, not the last
	b = binary.LittleEndian.AppendUint16(b, uint16(len(plain)))
	b = binary.LittleEndian.AppendUint16(b, ^uint16(len(plain)))
	b = append(b, plain...)
	return append(b, 0x07) // the last block, of type 3
}

// flip returns a copy of b with the byte at i (from the end if negative)
// inverted.
func flip(b []byte, i int) []byte {
	b = bytes.Clone(b)
	if i < 0 {
		i += len(b)
	}
	b[i] ^= 0xff
	return b
}

// dropTrailer returns a gzip stream without its last 8 bytes: its
// checksum and length.
func dropTrailer(gz []byte) []byte { return gz[:len(gz)-8] }

// ramp returns n bytes 0, 1, 2, … wrapping at 256.
func ramp(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// readers are the two IDX readers by the kind of file they read.
var readers = map[string]func(io.Reader) ([]uint8, error){
	"images": ReadImages,
	"labels": ReadLabels,
}

func TestReadIDX(t *testing.T) {
	twoImages := ramp(2 * Pixels)
	tests := []struct {
		name, kind string
		file, want []byte
	}{
		{"two images", "images", imageFile(2, twoImages), twoImages},
		{"two images gzipped", "images", gzipped(imageFile(2, twoImages)), twoImages},
		{"no images", "images", imageFile(0, nil), []byte{}},
		{"labels", "labels", labelFile(3, 0, 9, 5), []byte{0, 9, 5}},
		{"labels gzipped", "labels", gzipped(labelFile(3, 0, 9, 5)), []byte{0, 9, 5}},
		{"no labels gzipped", "labels", gzipped(labelFile(0)), []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readers[tt.kind](bytes.NewReader(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("got %d bytes %v…, want %d bytes %v…", len(got), got[:min(len(got), 4)], len(tt.want), tt.want[:min(len(tt.want), 4)])
			}
		})
	}
}

// malformedIDX are IDX files that the readers must reject, and the errors
// they must give.
var malformedIDX = []struct {
	name, kind string
	file       []byte
	want       string
}{
	{"empty", "images", nil, "mnist: empty input, want an IDX images file"},
	{"short header", "images", imageFile(1, nil)[:5], "mnist: truncated header: 16 bytes expected, 5 found"},
	{"short label header", "labels", []byte{0, 0, 8, 1, 0, 0}, "mnist: truncated header: 8 bytes expected, 6 found"},
	{"labels read as images", "images", labelFile(1, 0), "mnist: magic number 0x00000801, want 0x00000803 for IDX images"},
	{"images read as labels", "labels", imageFile(0, nil), "mnist: magic number 0x00000803, want 0x00000801 for IDX labels"},
	{"bad magic", "images", idxFile(0xdeadbeef, []uint32{1, Rows, Cols}, nil), "mnist: magic number 0xdeadbeef, want 0x00000803 for IDX images"},
	{"wrong dims", "images", idxFile(magicImages, []uint32{1, 32, 32}, make([]byte, 32*32)), "mnist: images are 32×32 pixels, want 28×28"},
	{"transposed dims", "images", idxFile(magicImages, []uint32{1, 28, 29}, make([]byte, 28*29)), "mnist: images are 28×29 pixels, want 28×28"},
	{"huge N", "images", imageFile(1<<32-1, nil), "mnist: header claims 4294967295 images, more than the limit of 100000"},
	{"N just over the limit", "labels", labelFile(MaxImages + 1), "mnist: header claims 100001 labels, more than the limit of 100000"},
	{"truncated", "images", imageFile(2, make([]byte, 1000)), "mnist: truncated: 1568 pixel bytes expected, 1000 found"},
	{"truncated at N at the limit", "images", imageFile(MaxImages, make([]byte, 1200)), "mnist: truncated: 78400000 pixel bytes expected, 1200 found"},
	{"no data", "labels", labelFile(2), "mnist: truncated: 2 label bytes expected, 0 found"},
	{"trailing byte", "images", imageFile(1, make([]byte, Pixels+1)), "mnist: trailing data after the 784 pixel bytes that the header announces"},
	{"trailing label", "labels", labelFile(1, 1, 2), "mnist: trailing data after the 1 label bytes that the header announces"},
	{"label 10", "labels", labelFile(3, 1, 10, 2), "mnist: label 1: value 10, want 0 to 9"},
	{"label 255", "labels", labelFile(1, 255), "mnist: label 0: value 255, want 0 to 9"},
	{"gzip bad header", "images", []byte("\x1f\x8bnot gzip"), "mnist: reading the gzip header: gzip: invalid header"},
	{"gzip bad checksum", "labels", flip(gzipped(labelFile(3, 1, 2, 3)), -8), "mnist: reading the label data: gzip: invalid checksum"},
	{"gzip bad length", "labels", flip(gzipped(labelFile(3, 1, 2, 3)), -4), "mnist: reading the label data: gzip: invalid checksum"},
	{"gzip corrupt header", "images", corruptGzip(nil), "mnist: reading the header: flate: corrupt input before offset"},
	{"gzip corrupt data", "images", corruptGzip(imageFile(1, nil)), "mnist: reading the pixel data: flate: corrupt input before offset"},
	{"gzip cut short", "images", gzipped(imageFile(2, ramp(2*Pixels)))[:200], "mnist: truncated: 1568 pixel bytes expected,"},
	{"gzip without its trailer", "labels", dropTrailer(gzipped(labelFile(2, 4, 5))), "mnist: truncated gzip stream after the 2 label bytes"},
	{"gzip then garbage", "labels", append(gzipped(labelFile(1, 7)), "garbage after the stream"...), "mnist: reading the label data: gzip: invalid header"},
	{"gzip of trailing data", "images", gzipped(imageFile(0, []byte{1})), "mnist: trailing data after the 0 pixel bytes that the header announces"},
	{"gzip of bad labels", "labels", gzipped(labelFile(1, 11)), "mnist: label 0: value 11, want 0 to 9"},
}

func TestReadIDXMalformed(t *testing.T) {
	for _, tt := range malformedIDX {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readers[tt.kind](bytes.NewReader(tt.file))
			if err == nil {
				t.Fatalf("got %d bytes and no error, want %q", len(got), tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want %q", err, tt.want)
			}
			if got != nil {
				t.Errorf("got %d bytes along with the error", len(got))
			}
		})
	}
}

// allocated returns the bytes that f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A header that claims the most images must not make the reader allocate
// for them before they arrive.
func TestReadIDXAllocatesForDataPresent(t *testing.T) {
	file := imageFile(MaxImages, make([]byte, 100))
	if got := allocated(func() { ReadImages(bytes.NewReader(file)) }); got > 1<<20 {
		t.Errorf("reading a %d-byte file that claims %d images allocated %d bytes", len(file), MaxImages, got)
	}
}
