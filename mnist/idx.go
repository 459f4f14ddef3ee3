package mnist

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Image and label geometry.
const (
	// Rows and Cols are the height and width of an MNIST image, in pixels.
	Rows, Cols = 28, 28
	// Pixels is the number of pixels, and bytes, in one image: Rows·Cols.
	Pixels = Rows * Cols
	// Classes is the number of labels: the digits 0 to 9.
	Classes = 10
	// MaxImages is the largest number of images or labels that ReadImages
	// and ReadLabels accept in one file, so that a hostile header cannot
	// make them allocate more than MaxImages·Pixels bytes (78.4 MB).
	MaxImages = 100_000
)

// IDX magic numbers: two zero bytes, the element type (0x08, unsigned byte)
// and the number of dimensions.
const (
	magicLabels = 0x00000801 // [N] uint8
	magicImages = 0x00000803 // [N, rows, cols] uint8
)

// gzipMagic starts every gzip stream.
const gzipMagic = "\x1f\x8b"

// idxKind describes one of the two IDX files that MNIST uses.
type idxKind struct {
	magic uint32
	name  string // "images" or "labels"
	unit  string // what the data bytes are, for errors: "pixel" or "label"
	size  int    // data bytes per item
}

var (
	imagesKind = idxKind{magicImages, "images", "pixel", Pixels}
	labelsKind = idxKind{magicLabels, "labels", "label", 1}
)

// ReadImages reads an IDX image file, gzip-compressed or raw (told apart by
// the gzip magic number), and returns its N images as N·Pixels bytes:
// image i is pixels[i·Pixels : (i+1)·Pixels], row-major, 0 the background
// and 255 full ink. It requires 28×28 images, N ≤ MaxImages, and exactly
// N·Pixels bytes after the header. Errors start with "mnist: ".
func ReadImages(r io.Reader) (pixels []uint8, err error) {
	return readIDX(r, imagesKind)
}

// ReadLabels reads an IDX label file, gzip-compressed or raw, and returns
// its N labels, each 0 to 9. It requires N ≤ MaxImages and exactly N bytes
// after the header. Errors start with "mnist: ".
func ReadLabels(r io.Reader) (labels []uint8, err error) {
	return readIDX(r, labelsKind)
}

// readIDX reads an IDX file of the given kind with "mnist: " errors.
func readIDX(r io.Reader, kind idxKind) ([]uint8, error) {
	data, err := decodeIDX(r, kind)
	if err != nil {
		return nil, fmt.Errorf("mnist: %w", err)
	}
	return data, nil
}

// decodeIDX reads an IDX file of the given kind and returns its data bytes.
// Its errors carry no prefix.
func decodeIDX(r io.Reader, kind idxKind) ([]uint8, error) {
	br := bufio.NewReader(r)
	r = br
	if sig, _ := br.Peek(len(gzipMagic)); string(sig) == gzipMagic {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("reading the gzip header: %w", err)
		}
		r = zr
	}
	want, err := readHeader(r, kind)
	if err != nil {
		return nil, err
	}
	// Read one byte more than expected, so that trailing data shows, and so
	// that a gzip stream is read to its end, where its checksum is verified.
	// The buffer grows with the data actually present, not with the header's
	// claim.
	data, err := io.ReadAll(io.LimitReader(r, int64(want)+1))
	switch {
	case err != nil && truncated(err) && len(data) >= want:
		return nil, fmt.Errorf("truncated gzip stream after the %d %s bytes", want, kind.unit)
	case err != nil && !truncated(err):
		return nil, fmt.Errorf("reading the %s data: %w", kind.unit, err)
	}
	return checkData(data, want, kind) // short data: truncated
}

// decodeIDXBytes is decodeIDX for an uncompressed IDX file in memory: the
// data bytes it returns are content's own, not a copy.
func decodeIDXBytes(content []byte, kind idxKind) ([]uint8, error) {
	r := bytes.NewReader(content)
	want, err := readHeader(r, kind)
	if err != nil {
		return nil, err
	}
	return checkData(content[len(content)-r.Len():], want, kind)
}

// readHeader reads an IDX header of the given kind, the magic number and
// the dimensions ([N, rows, cols] for images, [N] for labels), and returns
// how many data bytes it announces.
func readHeader(r io.Reader, kind idxKind) (int, error) {
	var header [16]byte
	hlen := 8
	if kind.magic == magicImages {
		hlen = 16
	}
	n, err := io.ReadFull(r, header[:4])
	if err == nil {
		if magic := binary.BigEndian.Uint32(header[:4]); magic != kind.magic {
			return 0, fmt.Errorf("magic number 0x%08x, want 0x%08x for IDX %s", magic, kind.magic, kind.name)
		}
		var m int
		m, err = io.ReadFull(r, header[4:hlen])
		n += m
	}
	switch {
	case n == 0 && err == io.EOF:
		return 0, fmt.Errorf("empty input, want an IDX %s file", kind.name)
	case truncated(err):
		return 0, fmt.Errorf("truncated header: %d bytes expected, %d found", hlen, n)
	case err != nil:
		return 0, fmt.Errorf("reading the header: %w", err)
	}
	count := binary.BigEndian.Uint32(header[4:])
	if kind.magic == magicImages {
		rows, cols := binary.BigEndian.Uint32(header[8:]), binary.BigEndian.Uint32(header[12:])
		if rows != Rows || cols != Cols {
			return 0, fmt.Errorf("images are %d×%d pixels, want %d×%d", rows, cols, Rows, Cols)
		}
	}
	if count > MaxImages {
		return 0, fmt.Errorf("header claims %d %s, more than the limit of %d", count, kind.name, MaxImages)
	}
	return int(count) * kind.size, nil
}

// checkData checks the data bytes after a header that announced want of
// them (at most one more is read, to show trailing data) and returns them.
func checkData(data []byte, want int, kind idxKind) ([]uint8, error) {
	switch {
	case len(data) < want:
		return nil, fmt.Errorf("truncated: %d %s bytes expected, %d found", want, kind.unit, len(data))
	case len(data) > want:
		return nil, fmt.Errorf("trailing data after the %d %s bytes that the header announces", want, kind.unit)
	}
	if kind.magic == magicLabels {
		if i, err := checkLabels(data); err != nil {
			return nil, fmt.Errorf("label %d: %w", i, err)
		}
	}
	return data[:want:want], nil
}

// truncated reports whether err means that the input ended early.
func truncated(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// checkLabels returns the index of the first label that is not a digit
// 0 to 9, and an error saying so.
func checkLabels(labels []uint8) (int, error) {
	for i, l := range labels {
		if l >= Classes {
			return i, fmt.Errorf("value %d, want 0 to %d", l, Classes-1)
		}
	}
	return -1, nil
}
