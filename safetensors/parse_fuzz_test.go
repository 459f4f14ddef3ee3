package safetensors

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that it fails with a prefixed
// one-line error, and that whatever it accepts survives a round trip through
// Write and Parse unchanged.
func FuzzParse(f *testing.F) {
	for _, tt := range roundTripTests {
		var buf bytes.Buffer
		if err := Write(&buf, tt.metadata, tt.tensors); err != nil {
			f.Fatalf("%s: %v", tt.name, err)
		}
		f.Add(buf.Bytes())
	}
	for _, tt := range malformedTests {
		f.Add(tt.data)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			if file != nil {
				t.Errorf("Parse returned a file along with error %v", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "safetensors: ") || strings.Contains(msg, "\n") {
				t.Errorf("Parse error %q is not one line starting %q", msg, "safetensors: ")
			}
			return
		}

		var buf bytes.Buffer
		if err := Write(&buf, file.Metadata, file.Tensors); err != nil {
			t.Fatalf("Write of a parsed file: %v", err)
		}
		written := bytes.Clone(buf.Bytes())
		again, err := Parse(written)
		if err != nil {
			t.Fatalf("Parse of Write's output: %v", err)
		}
		if !maps.Equal(again.Metadata, file.Metadata) {
			t.Errorf("metadata changed in a round trip: %q, then %q", file.Metadata, again.Metadata)
		}
		// Write orders the tensors by name.
		want := slices.SortedFunc(slices.Values(file.Tensors), func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
		if !slices.EqualFunc(again.Tensors, want, sameTensor) {
			t.Errorf("tensors changed in a round trip: %+v, then %+v", want, again.Tensors)
		}

		// Write's output is canonical: writing it again changes nothing.
		buf.Reset()
		if err := Write(&buf, again.Metadata, again.Tensors); err != nil {
			t.Fatalf("second Write: %v", err)
		}
		if !bytes.Equal(buf.Bytes(), written) {
			t.Errorf("second Write wrote\n%q\nfirst wrote\n%q", buf.Bytes(), written)
		}
	})
}
