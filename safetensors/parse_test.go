package safetensors

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// rawFile returns a safetensors file with the given header, unpadded, and
// data buffer.
func rawFile(header string, buf ...byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, buf...)
}

// lengthOnly returns a file that holds only a header length of n and then
// rest.
func lengthOnly(n uint64, rest string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
}

// malformedTests are files that Parse must reject, one or more per rule, with
// a fragment of the error message that names what is wrong.
var malformedTests = []struct {
	name string
	data []byte
	want string
}{
	// Framing.
	{"empty file", nil, "file is 0 bytes, too short"},
	{"short file", []byte{2, 0, 0, 0, 0, 0, 0}, "file is 7 bytes, too short"},
	{"header longer than file", lengthOnly(100, "{}"), "header length 100 exceeds the 2 bytes after it"},
	{"header over limit", lengthOnly(MaxHeaderSize+1, "{}"), "header length 104857601 exceeds the limit"},
	{"header length max uint64", lengthOnly(1<<64-1, "{}"), "exceeds the limit of 104857600 bytes"},

	// Header syntax.
	{"empty header", rawFile(""), "header: invalid JSON"},
	{"invalid UTF-8", rawFile("{\"a\xff\":{}}"), "header is not valid UTF-8"},
	{"invalid JSON", rawFile(`{"a":`), `tensor "a": entry: invalid JSON at byte 5: unexpected EOF`},
	{"invalid JSON at top level", rawFile(`{,}`), "header: invalid JSON at byte 1: invalid character ','"},
	{"unterminated object", rawFile(`{"__metadata__":{}`), "invalid JSON"},
	{"bad JSON inside entry", rawFile(`{"a":{"dtype" "F32"}}`), `tensor "a": dtype: invalid JSON at byte 14: invalid character`},
	{"header is an array", rawFile(`[]`), "header is an array, want an object"},
	{"header is a string", rawFile(`"x"`), "header is a string, want an object"},
	{"header is null", rawFile(`null`), "header is null, want an object"},
	{"data after header object", rawFile(`{} {}`), "unexpected data after the JSON object"},
	{"garbage after header object", rawFile(`{}x`), "unexpected data after the JSON object"},
	{"NUL padding", rawFile("{}\x00"), "unexpected data after the JSON object"},

	// Duplicate keys.
	{"duplicate tensor", rawFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`),
		`header: duplicate key "a"`},
	{"duplicate tensor via escape", rawFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"\u0061":{}}`),
		`header: duplicate key "a"`},
	{"duplicate metadata", rawFile(`{"__metadata__":{},"__metadata__":{}}`), `header: duplicate key "__metadata__"`},
	{"duplicate field", rawFile(`{"a":{"dtype":"U8","dtype":"U8","shape":[0],"data_offsets":[0,0]}}`),
		`tensor "a": duplicate field "dtype"`},
	{"duplicate metadata key", rawFile(`{"__metadata__":{"k":"1","k":"2"}}`), `__metadata__: duplicate key "k"`},

	// Entries.
	{"empty name", rawFile(`{"":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`), "tensor with an empty name"},
	{"entry is an array", rawFile(`{"a":[1]}`), `tensor "a": entry is an array, want an object`},
	{"entry is a number", rawFile(`{"a":1}`), `tensor "a": entry is a number, want an object`},
	{"missing dtype", rawFile(`{"a":{"shape":[0],"data_offsets":[0,0]}}`), `tensor "a": missing field "dtype"`},
	{"missing shape", rawFile(`{"a":{"dtype":"U8","data_offsets":[0,0]}}`), `tensor "a": missing field "shape"`},
	{"missing data_offsets", rawFile(`{"a":{"dtype":"U8","shape":[0]}}`), `tensor "a": missing field "data_offsets"`},
	{"extra field", rawFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"extra":1}}`), `tensor "a": unknown field "extra"`},
	{"field in wrong case", rawFile(`{"a":{"DType":"U8","shape":[0],"data_offsets":[0,0]}}`), `unknown field "DType"`},
	{"unknown dtype", rawFile(`{"a":{"dtype":"F99","shape":[0],"data_offsets":[0,0]}}`), `tensor "a": unknown dtype "F99"`},
	{"lower-case dtype", rawFile(`{"a":{"dtype":"f32","shape":[0],"data_offsets":[0,0]}}`), `unknown dtype "f32"`},
	{"dtype not a string", rawFile(`{"a":{"dtype":4,"shape":[0],"data_offsets":[0,0]}}`), `tensor "a": dtype is a number, want a string`},

	// Shapes.
	{"shape not an array", rawFile(`{"a":{"dtype":"U8","shape":2,"data_offsets":[0,2]}}`), `tensor "a": shape is a number, want an array`},
	{"negative dim", rawFile(`{"a":{"dtype":"U8","shape":[2,-3],"data_offsets":[0,0]}}`), `tensor "a": shape[1] = -3 is negative`},
	{"fractional dim", rawFile(`{"a":{"dtype":"U8","shape":[2.5],"data_offsets":[0,0]}}`), "shape[0] = 2.5 is not an integer"},
	{"exponent dim", rawFile(`{"a":{"dtype":"U8","shape":[1e2],"data_offsets":[0,100]}}`, make([]byte, 100)...),
		"shape[0] = 1e2 is not an integer"},
	{"string dim", rawFile(`{"a":{"dtype":"U8","shape":["2"],"data_offsets":[0,2]}}`), "shape[0] is a string, want a non-negative integer"},
	{"null dim", rawFile(`{"a":{"dtype":"U8","shape":[null],"data_offsets":[0,2]}}`), "shape[0] is null"},
	{"huge dim", rawFile(`{"a":{"dtype":"U8","shape":[99999999999999999999],"data_offsets":[0,0]}}`),
		"shape[0] = 99999999999999999999 overflows int"},
	{"element count overflow", rawFile(fmt.Sprintf(`{"a":{"dtype":"U8","shape":[%d,2],"data_offsets":[0,0]}}`, math.MaxInt)),
		`tensor "a": shape's element count overflows int`},
	{"byte size overflow", rawFile(fmt.Sprintf(`{"a":{"dtype":"F64","shape":[%d],"data_offsets":[0,0]}}`, math.MaxInt/4)),
		fmt.Sprintf(`tensor "a": byte size of %d F64 elements overflows int`, math.MaxInt/4)},

	// Data offsets.
	{"offsets not an array", rawFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":{}}}`), "data_offsets is an object, want an array"},
	{"one offset", rawFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0]}}`), "data_offsets has 1 elements, want 2"},
	{"three offsets", rawFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0,0]}}`), "data_offsets has 3 elements, want 2"},
	{"negative offset", rawFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[-1,0]}}`), "data_offsets[0] = -1 is negative"},
	{"fractional offset", rawFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0.5]}}`), "data_offsets[1] = 0.5 is not an integer"},
	{"offsets out of order", rawFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[8,4]}}`, make([]byte, 8)...),
		`tensor "a": data_offsets [8,4) out of order`},
	{"end beyond buffer", rawFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}`, 1, 2),
		`tensor "a": data_offsets [0,4) extend beyond the 2-byte data buffer`},
	{"size mismatch", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 1, 2, 3, 4),
		`tensor "a": data_offsets [0,4) hold 4 bytes, want 8 for 2 elements of F32`},

	// Layout of the data buffer.
	{"overlap", rawFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}`, make([]byte, 6)...),
		`tensor "b": data_offsets [2,6) overlap tensor "a" at [0,4)`},
	{"same offsets", rawFile(`{"b":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}`, 1, 2),
		`tensor "b": data_offsets [0,2) overlap tensor "a" at [0,2)`},
	{"empty tensor inside another", rawFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"e":{"dtype":"U8","shape":[0],"data_offsets":[2,2]}}`, 1, 2, 3, 4),
		`tensor "e": data_offsets [2,2) overlap tensor "a" at [0,4)`},
	{"gap at start", rawFile(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}`, 1, 2, 3, 4),
		`tensor "a": data_offsets [2,4) leave a gap of 2 bytes before them`},
	{"gap between", rawFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[3,4]}}`, 1, 2, 3, 4),
		`tensor "b": data_offsets [3,4) leave a gap of 2 bytes`},
	{"trailing bytes", rawFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 1, 2, 3),
		"2 trailing bytes of the 3-byte data buffer belong to no tensor"},
	{"buffer without tensors", rawFile(`{}`, 1), "1 trailing bytes of the 1-byte data buffer"},

	// Metadata.
	{"metadata is a string", rawFile(`{"__metadata__":"x"}`), "__metadata__ is a string, want an object"},
	{"metadata is null", rawFile(`{"__metadata__":null}`), "__metadata__ is null, want an object"},
	{"metadata is an array", rawFile(`{"__metadata__":[]}`), "__metadata__ is an array, want an object"},
	{"metadata value a number", rawFile(`{"__metadata__":{"k":1}}`), `__metadata__: value of "k" is a number, want a string`},
	{"metadata value an object", rawFile(`{"__metadata__":{"k":{}}}`), `__metadata__: value of "k" is an object, want a string`},
	{"metadata value null", rawFile(`{"__metadata__":{"k":null}}`), `value of "k" is null`},
}

func TestParseMalformed(t *testing.T) {
	for _, tt := range malformedTests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.data)
			if err == nil {
				t.Fatalf("Parse succeeded with %d tensors; want error containing %q", len(f.Tensors), tt.want)
			}
			if f != nil {
				t.Errorf("Parse returned a file with its error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "safetensors: ") || !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("Parse error = %q; want one line starting %q and containing %q", msg, "safetensors: ", tt.want)
			}
		})
	}
}

// TestParseLongNames checks that error messages quote long names shortened.
func TestParseLongNames(t *testing.T) {
	name := strings.Repeat("n", 1000)
	_, err := Parse(rawFile(`{"` + name + `":{"dtype":"U8","shape":[0],"data_offsets":[0,1]}}`))
	if err == nil {
		t.Fatal("Parse succeeded, want a size error")
	}
	if want := `tensor "` + name[:maxQuoted] + `"...: data_offsets`; !strings.Contains(err.Error(), want) {
		t.Errorf("Parse error = %q, want one containing %q", err, want)
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want File
	}{
		{
			name: "no tensors",
			data: rawFile(`{}`),
			want: File{},
		},
		{
			name: "empty metadata",
			data: rawFile(`{"__metadata__":{}}`),
			want: File{Metadata: map[string]string{}},
		},
		{
			name: "as written by the reference implementation",
			data: rawFile(`{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}    `,
				0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0),
			want: File{
				Metadata: map[string]string{"format": "pt"},
				Tensors:  []Tensor{Float32("w", []int{2}, []float32{1, -2})},
			},
		},
		{
			name: "whitespace, field order and escapes",
			data: rawFile(" \t\r\n{ \"\\u00e9\\n\" : { \"data_offsets\" : [ 0 , 1 ] , \"shape\" : [ ] , \"dtype\" : \"I8\" } }\n",
				0xff),
			want: File{Tensors: []Tensor{{Name: "é\n", DType: I8, Shape: []int{}, Data: []byte{0xff}}}},
		},
		{
			name: "sorted by offsets, empty tensors first",
			data: rawFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},`+
				`"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},`+
				`"z":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},`+
				`"y":{"dtype":"I64","shape":[3,0],"data_offsets":[0,0]},`+
				`"e":{"dtype":"BOOL","shape":[0],"data_offsets":[2,2]}}`,
				7, 8),
			want: File{Tensors: []Tensor{
				{Name: "y", DType: I64, Shape: []int{3, 0}, Data: []byte{}},
				{Name: "z", DType: F32, Shape: []int{0, 3}, Data: []byte{}},
				{Name: "b", DType: U8, Shape: []int{1}, Data: []byte{7}},
				{Name: "a", DType: U8, Shape: []int{1}, Data: []byte{8}},
				{Name: "e", DType: BOOL, Shape: []int{0}, Data: []byte{}},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.data)
			if err != nil {
				t.Fatalf("Parse error: %v", err)
			}
			if !sameFile(got, &tt.want) {
				t.Errorf("Parse = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// sameFile reports whether a and b hold the same metadata and the same
// tensors in the same order. It does not tell nil from empty.
func sameFile(a, b *File) bool {
	return maps.Equal(a.Metadata, b.Metadata) && slices.EqualFunc(a.Tensors, b.Tensors, sameTensor)
}

// sameTensor reports whether a and b are equal. It does not tell nil from
// empty.
func sameTensor(a, b Tensor) bool {
	return a.Name == b.Name && a.DType == b.DType && slices.Equal(a.Shape, b.Shape) && bytes.Equal(a.Data, b.Data)
}

func TestParseAliasing(t *testing.T) {
	data := rawFile(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}`, 1, 2, 3, 4)
	f, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	a, b := &f.Tensors[0], &f.Tensors[1]
	data[len(data)-1] = 9
	if b.Data[1] != 9 {
		t.Errorf("b.Data = %v after changing the input; want it to alias the input", b.Data)
	}
	a.Data = append(a.Data, 0)
	if !bytes.Equal(b.Data, []byte{3, 9}) {
		t.Errorf("b.Data = %v after appending to a.Data, want [3 9]", b.Data)
	}
}

func TestFileTensor(t *testing.T) {
	f := &File{Tensors: []Tensor{Int64("a", nil, []int64{1}), Int64("b", nil, []int64{2})}}
	for i := range f.Tensors {
		name := f.Tensors[i].Name
		if got, ok := f.Tensor(name); !ok || got != &f.Tensors[i] {
			t.Errorf("Tensor(%q) = %p, %v; want %p, true", name, got, ok, &f.Tensors[i])
		}
	}
	if got, ok := f.Tensor("c"); got != nil || ok {
		t.Errorf("Tensor(%q) = %v, %v; want nil, false", "c", got, ok)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	bad := filepath.Join(dir, "bad.safetensors")
	if err := os.WriteFile(good, rawFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 5), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte{1, 2, 3}, 0o644); err != nil {
		t.Fatal(err)
	}

	f, err := ReadFile(good)
	if err != nil {
		t.Fatalf("ReadFile(%q) error: %v", good, err)
	}
	if want := (&File{Tensors: []Tensor{{Name: "a", DType: U8, Shape: []int{1}, Data: []byte{5}}}}); !sameFile(f, want) {
		t.Errorf("ReadFile(%q) = %+v, want %+v", good, f, want)
	}

	tests := []struct{ path, want string }{
		{bad, "safetensors: " + bad + ": file is 3 bytes, too short"},
		{filepath.Join(dir, "missing"), "safetensors: open " + filepath.Join(dir, "missing")},
	}
	for _, tt := range tests {
		if _, err := ReadFile(tt.path); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("ReadFile(%q) error = %v, want one starting %q", tt.path, err, tt.want)
		}
	}
}
