package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// allDTypes holds one tensor of every supported dtype, with distinct bytes.
var allDTypes = func() []Tensor {
	dtypes := []DType{F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL}
	var tensors []Tensor
	for i, dt := range dtypes {
		shape := []int{2, 3}
		data := make([]byte, 6*dt.Size())
		for j := range data {
			data[j] = byte(i*16 + j)
		}
		if dt == BOOL {
			data = []byte{0, 1, 1, 0, 0, 1}
		}
		tensors = append(tensors, Tensor{Name: "t_" + strings.ToLower(string(dt)), DType: dt, Shape: shape, Data: data})
	}
	return tensors
}()

// roundTripTests are inputs to Write whose output Parse must read back.
var roundTripTests = []struct {
	name     string
	metadata map[string]string
	tensors  []Tensor
}{
	{"empty", nil, nil},
	{"metadata only", map[string]string{"format": "pt", "": "", "é": "ü\n\"<&>\u2028"}, nil},
	{"all dtypes", map[string]string{"format": "pt"}, allDTypes},
	{"scalar and empty tensors", nil, []Tensor{
		{Name: "scalar", DType: F32, Data: []byte{0, 0, 0x80, 0x3f}},
		{Name: "empty shape", DType: I32, Shape: []int{}, Data: []byte{1, 0, 0, 0}},
		{Name: "zero", DType: F64, Shape: []int{0}},
		{Name: "zero 2d", DType: U8, Shape: []int{5, 0}, Data: []byte{}},
		{Name: "zero huge", DType: F16, Shape: []int{math.MaxInt, 0, math.MaxInt}},
	}},
	{"unordered names", nil, []Tensor{
		Float32("z", []int{1}, []float32{3}),
		Float32("b.weight", []int{2}, []float32{1, 2}),
		Int64("a", []int{1, 1}, []int64{-7}),
		Float32("\u00e9\t\"quoted\"", []int{1}, []float32{4}),
	}},
}

func TestRoundTrip(t *testing.T) {
	for _, tt := range roundTripTests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tt.metadata, tt.tensors); err != nil {
				t.Fatalf("Write error: %v", err)
			}
			data := buf.Bytes()
			if n := binary.LittleEndian.Uint64(data); (8+n)%8 != 0 {
				t.Errorf("data buffer starts at byte %d, want a multiple of 8", 8+n)
			}

			f, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse error: %v", err)
			}
			if !maps.Equal(f.Metadata, tt.metadata) {
				t.Errorf("Metadata = %q, want %q", f.Metadata, tt.metadata)
			}
			// Write lays tensors out in order of name, so Parse returns them so.
			want := slices.SortedFunc(slices.Values(tt.tensors), func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
			if !slices.EqualFunc(f.Tensors, want, sameTensor) {
				t.Errorf("Tensors = %+v\nwant %+v", f.Tensors, want)
			}
		})
	}
}

func TestWriteDeterministic(t *testing.T) {
	tensors := []Tensor{
		{Name: "b", DType: I16, Shape: nil, Data: []byte{1, 2}},
		{Name: "a", DType: U8, Shape: []int{2}, Data: []byte{3, 4}},
	}
	metadata := map[string]string{"z": "1", "y": "<2>"}
	header := `{"__metadata__":{"y":"<2>","z":"1"},` +
		`"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},` +
		`"b":{"dtype":"I16","shape":[],"data_offsets":[2,4]}}`
	header += strings.Repeat(" ", 7-(len(header)+7)%8)
	want := rawFile(header, 3, 4, 1, 2)

	for _, order := range [][]Tensor{tensors, {tensors[1], tensors[0]}} {
		var buf bytes.Buffer
		if err := Write(&buf, metadata, order); err != nil {
			t.Fatalf("Write error: %v", err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("Write wrote\n%q\nwant\n%q", buf.Bytes(), want)
		}
	}
}

func TestWriteInvalid(t *testing.T) {
	u8 := func(name string) Tensor { return Tensor{Name: name, DType: U8, Shape: []int{1}, Data: []byte{1}} }
	tests := []struct {
		name     string
		metadata map[string]string
		tensors  []Tensor
		want     string
	}{
		{"empty name", nil, []Tensor{u8("a"), u8("")}, "tensor 1 has an empty name"},
		{"reserved name", nil, []Tensor{u8("__metadata__")}, `tensor 0: name "__metadata__" is reserved`},
		{"duplicate name", nil, []Tensor{u8("a"), u8("b"), u8("a")}, `duplicate tensor name "a"`},
		{"name not UTF-8", nil, []Tensor{u8("a\xff")}, `tensor "a\xff": name is not valid UTF-8`},
		{"metadata key not UTF-8", map[string]string{"\xff": "v"}, nil, `metadata "\xff": not valid UTF-8`},
		{"metadata value not UTF-8", map[string]string{"k": "\xff"}, nil, `metadata "k": not valid UTF-8`},
		{"unknown dtype", nil, []Tensor{{Name: "x", DType: "F8", Data: []byte{1}}}, `tensor "x": unknown dtype "F8"`},
		{"no dtype", nil, []Tensor{{Name: "x"}}, `tensor "x": unknown dtype ""`},
		{"negative dim", nil, []Tensor{{Name: "x", DType: U8, Shape: []int{2, -1}}}, `tensor "x": shape[1] = -1 is negative`},
		{"element count overflow", nil, []Tensor{{Name: "x", DType: U8, Shape: []int{math.MaxInt, 2}}}, "element count overflows int"},
		{"byte size overflow", nil, []Tensor{{Name: "x", DType: I32, Shape: []int{math.MaxInt / 2}}},
			fmt.Sprintf("byte size of %d I32 elements overflows int", math.MaxInt/2)},
		{"short data", nil, []Tensor{Float32("x", []int{2, 2}, []float32{1, 2, 3})}, `tensor "x": has 12 bytes of data, want 16 for shape [2 2] of F32`},
		{"long data", nil, []Tensor{Int64("x", nil, []int64{1, 2})}, "has 16 bytes of data, want 8 for shape [] of I64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, tt.metadata, tt.tensors)
			if err == nil || !strings.HasPrefix(err.Error(), "safetensors: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Write error = %v, want one containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Write wrote %d bytes of invalid input", buf.Len())
			}
		})
	}
}

// failingWriter accepts n bytes and then fails.
type failingWriter struct{ n int }

var errFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errFull
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteWriterError(t *testing.T) {
	tensors := allDTypes
	var buf bytes.Buffer
	if err := Write(&buf, nil, tensors); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 8, buf.Len() - 1} {
		err := Write(&failingWriter{n}, nil, tensors)
		if !errors.Is(err, errFull) || !strings.HasPrefix(err.Error(), "safetensors: ") {
			t.Errorf("Write to a writer that fails after %d bytes: error = %v, want %v", n, err, errFull)
		}
	}
}

func TestWriteFile(t *testing.T) {
	valid := []Tensor{Float32("w", []int{2}, []float32{1, 2})}
	invalid := []Tensor{Float32("w", []int{3}, []float32{1, 2})}
	noFile := func(*testing.T, string) {}
	oldFile := func(t *testing.T, path string) {
		if err := os.WriteFile(path, []byte("old contents"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	directory := func(t *testing.T, path string) {
		if err := os.Mkdir(path, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, path string) // prepares path in an empty directory
		tensors []Tensor
		wantErr string // if empty, WriteFile must succeed; otherwise path must be as setup left it
	}{
		{"new file", noFile, valid, ""},
		{"replace file", oldFile, valid, ""},
		{"invalid tensor keeps old file", oldFile, invalid, `tensor "w": has 8 bytes of data, want 12`},
		{"invalid tensor creates no file", noFile, invalid, `tensor "w": has 8 bytes of data, want 12`},
		{"rename onto a directory fails", directory, valid, "safetensors: rename "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "model.safetensors")
			tt.setup(t, path)
			before := snapshot(t, path)

			metadata := map[string]string{"format": "pt"}
			err := WriteFile(path, metadata, tt.tensors)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("WriteFile error: %v", err)
				}
				f, err := ReadFile(path)
				if err != nil {
					t.Fatalf("ReadFile error: %v", err)
				}
				if want := (&File{Metadata: metadata, Tensors: tt.tensors}); !sameFile(f, want) {
					t.Errorf("ReadFile = %+v, want %+v", f, want)
				}
			} else {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("WriteFile error = %v, want one containing %q", err, tt.wantErr)
				}
				if after := snapshot(t, path); after != before {
					t.Errorf("after failing, %s holds %q, want %q", path, after, before)
				}
			}
			// No temporary file may be left behind.
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.Name() != "model.safetensors" {
					t.Errorf("WriteFile left %s behind", e.Name())
				}
			}
		})
	}
}

// snapshot describes what is at path: its contents if it is a file.
func snapshot(t *testing.T, path string) string {
	t.Helper()
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "<nothing>"
	case err != nil:
		t.Fatal(err)
	case info.IsDir():
		return "<directory>"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestWriteFilePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permission bits")
	}
	dir := t.TempDir()
	tensors := []Tensor{Int64("i", nil, []int64{1})}
	tests := []struct {
		name string
		old  fs.FileMode // 0 if there is no old file
		want fs.FileMode
	}{
		{"new file", 0, 0o644},
		{"keeps mode of replaced file", 0o600, 0o600},
		{"keeps executable bits", 0o750, 0o750},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
		if tt.old != 0 {
			if err := os.WriteFile(path, nil, tt.old); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.old); err != nil { // not subject to the umask
				t.Fatal(err)
			}
		}
		if err := WriteFile(path, nil, tensors); err != nil {
			t.Fatalf("%s: WriteFile error: %v", tt.name, err)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != tt.want {
			t.Errorf("%s: mode = %v, want %v", tt.name, got, tt.want)
		}
	}
}
