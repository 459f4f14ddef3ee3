package mnist

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzReadIDX checks that the IDX readers never panic, fail with one-line
// errors that start "mnist: ", and return only what is well-formed: whole
// 28×28 images, labels 0 to 9, and no more than MaxImages of either, which
// read back the same once written as a raw IDX file.
func FuzzReadIDX(f *testing.F) {
	f.Add(imageFile(2, ramp(2*Pixels)))
	f.Add(gzipped(imageFile(1, ramp(Pixels))))
	f.Add(labelFile(3, 0, 9, 5))
	f.Add(gzipped(labelFile(2, 1, 2)))
	for _, tt := range malformedIDX {
		if len(tt.file) < 1<<12 {
			f.Add(tt.file)
		}
	}

	f.Fuzz(func(t *testing.T, file []byte) {
		// An uncompressed file in memory reads as from a reader.
		if !bytes.HasPrefix(file, []byte(gzipMagic)) {
			for _, kind := range []idxKind{imagesKind, labelsKind} {
				want, werr := decodeIDX(bytes.NewReader(file), kind)
				got, err := decodeIDXBytes(file, kind)
				if !bytes.Equal(got, want) || (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
					t.Errorf("%s in memory: %d bytes, %v; from a reader: %d bytes, %v", kind.name, len(got), err, len(want), werr)
				}
			}
		}
		for kind, read := range readers {
			got, err := read(bytes.NewReader(file))
			if err != nil {
				if got != nil {
					t.Errorf("%s: %d bytes along with error %v", kind, len(got), err)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, "mnist: ") || strings.Contains(msg, "\n") {
					t.Errorf("%s: error %q is not one line starting %q", kind, msg, "mnist: ")
				}
				continue
			}
			var again []byte
			if kind == "images" {
				if len(got)%Pixels != 0 || len(got) > MaxImages*Pixels {
					t.Fatalf("images: %d bytes", len(got))
				}
				again, err = ReadImages(bytes.NewReader(imageFile(uint32(len(got)/Pixels), got)))
			} else {
				if len(got) > MaxImages {
					t.Fatalf("labels: %d of them", len(got))
				}
				if i, err := checkLabels(got); err != nil {
					t.Fatalf("labels: label %d: %v", i, err)
				}
				again, err = ReadLabels(bytes.NewReader(labelFile(uint32(len(got)), got...)))
			}
			if err != nil || !bytes.Equal(again, got) {
				t.Errorf("%s: written back and read again: %v, changed: %t", kind, err, !bytes.Equal(again, got))
			}
		}
	})
}
