package mnist

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
)

// DefaultMaxPixels is the limit on an image's pixels that DecodeImage
// applies when given none: 25 megapixels, more than a phone camera's photo.
const DefaultMaxPixels = 25_000_000

// An imageFormat is a decoder for one file format.
type imageFormat struct {
	name, magic  string
	decodeConfig func(io.Reader) (image.Config, error)
	decode       func(io.Reader) (image.Image, error)
}

// imageFormats are the formats that DecodeImage reads.
var imageFormats = []imageFormat{
	{"PNG", "\x89PNG\r\n\x1a\n", png.DecodeConfig, png.Decode},
	{"JPEG", "\xff\xd8", jpeg.DecodeConfig, jpeg.Decode},
}

// DecodeImage decodes a PNG or JPEG image from r, told apart by their
// first bytes. It reads the header first and refuses, before decoding, an
// image with no pixels, with a side longer than MaxSide, or with more than
// maxPixels pixels in all (DefaultMaxPixels if maxPixels ≤ 0), so that a
// small file that claims a huge image cannot make it allocate much.
func DecodeImage(r io.Reader, maxPixels int) (image.Image, error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	br := bufio.NewReader(r)
	var format *imageFormat
	for i, f := range imageFormats {
		if sig, _ := br.Peek(len(f.magic)); string(sig) == f.magic {
			format = &imageFormats[i]
		}
	}
	if format == nil {
		return nil, errors.New("mnist: not a PNG or JPEG image")
	}

	// Keep the bytes that the header takes, to decode the whole image from.
	var header bytes.Buffer
	cfg, err := format.decodeConfig(io.TeeReader(br, &header))
	if err != nil {
		return nil, fmt.Errorf("mnist: reading the %s header: %w", format.name, err)
	}
	if err := checkSize(cfg.Width, cfg.Height, maxPixels); err != nil {
		return nil, err
	}
	img, err := format.decode(io.MultiReader(&header, br))
	if err != nil {
		return nil, fmt.Errorf("mnist: decoding the %s image: %w", format.name, err)
	}
	return img, nil
}
