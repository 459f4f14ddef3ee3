package safetensors

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestDTypeSize(t *testing.T) {
	tests := []struct {
		dtype DType
		want  int
	}{
		{F64, 8}, {F32, 4}, {F16, 2}, {BF16, 2},
		{I64, 8}, {I32, 4}, {I16, 2}, {I8, 1},
		{U64, 8}, {U32, 4}, {U16, 2}, {U8, 1},
		{BOOL, 1},
		{"", 0}, {"f32", 0}, {"F8_E4M3", 0}, {"C64", 0},
	}
	for _, tt := range tests {
		if got := tt.dtype.Size(); got != tt.want {
			t.Errorf("DType(%q).Size() = %d, want %d", tt.dtype, got, tt.want)
		}
	}
}

func TestNumElements(t *testing.T) {
	tests := []struct {
		shape []int
		want  int
	}{
		{nil, 1},
		{[]int{}, 1},
		{[]int{7}, 7},
		{[]int{2, 3, 4}, 24},
		{[]int{0}, 0},
		{[]int{3, 0, 5}, 0},
		{[]int{math.MaxInt, math.MaxInt, 0}, 0}, // the zero wins over the overflow
		{[]int{-1}, -1},
		{[]int{0, -1}, -1},
		{[]int{math.MaxInt/2 + 1, 2}, -1},
		{[]int{math.MaxInt, 1}, math.MaxInt},
	}
	for _, tt := range tests {
		tensor := Tensor{Shape: tt.shape}
		if got := tensor.NumElements(); got != tt.want {
			t.Errorf("NumElements() of shape %v = %d, want %d", tt.shape, got, tt.want)
		}
	}
}

func TestBuilders(t *testing.T) {
	shape := []int{2, 2}
	floats := []float32{1, -2.5, float32(math.Inf(1)), 0x1p-149}
	ints := []int64{math.MinInt64, -1, 0, math.MaxInt64}
	ft := Float32("f", shape, floats)
	it := Int64("i", shape, ints)
	// The builders copy their arguments.
	shape[0], floats[0], ints[0] = 9, 9, 9

	if ft.Name != "f" || ft.DType != F32 || !slices.Equal(ft.Shape, []int{2, 2}) || len(ft.Data) != 16 {
		t.Fatalf("Float32 = %+v", ft)
	}
	if got, err := ft.Float32s(); err != nil || !slices.Equal(got, []float32{1, -2.5, float32(math.Inf(1)), 0x1p-149}) {
		t.Errorf("Float32(...).Float32s() = %v, %v", got, err)
	}
	if it.Name != "i" || it.DType != I64 || !slices.Equal(it.Shape, []int{2, 2}) || len(it.Data) != 32 {
		t.Fatalf("Int64 = %+v", it)
	}
	if got, err := it.Int64s(); err != nil || !slices.Equal(got, []int64{math.MinInt64, -1, 0, math.MaxInt64}) {
		t.Errorf("Int64(...).Int64s() = %v, %v", got, err)
	}
}

// sameFloat32 reports whether got and want have the same bits, or are both
// NaN.
func sameFloat32(got, want float32) bool {
	if math.IsNaN(float64(want)) {
		return math.IsNaN(float64(got))
	}
	return math.Float32bits(got) == math.Float32bits(want)
}

var negZero = float32(math.Copysign(0, -1))

// halfTest is a 16-bit floating-point bit pattern and its value.
type halfTest struct {
	name string
	bits uint16
	want float32
}

// float16Tests are IEEE 754 binary16 bit patterns.
var float16Tests = []halfTest{
	{"+0", 0x0000, 0},
	{"-0", 0x8000, negZero},
	{"1", 0x3c00, 1},
	{"-2", 0xc000, -2},
	{"1/3", 0x3555, 0x1.554p-2},
	{"max", 0x7bff, 65504},
	{"min normal", 0x0400, 0x1p-14},
	{"max subnormal", 0x03ff, 0x3ffp-24},
	{"min subnormal", 0x0001, 0x1p-24},
	{"-min subnormal", 0x8001, -0x1p-24},
	{"+Inf", 0x7c00, float32(math.Inf(1))},
	{"-Inf", 0xfc00, float32(math.Inf(-1))},
	{"NaN", 0x7e00, float32(math.NaN())},
	{"signalling NaN", 0x7c01, float32(math.NaN())},
}

// bfloat16Tests are bfloat16 bit patterns.
var bfloat16Tests = []halfTest{
	{"+0", 0x0000, 0},
	{"-0", 0x8000, negZero},
	{"1", 0x3f80, 1},
	{"-2", 0xc000, -2},
	{"pi", 0x4049, 3.140625},
	{"max", 0x7f7f, 0x1.fep127},
	{"min normal", 0x0080, 0x1p-126},
	{"min subnormal", 0x0001, 0x1p-133},
	{"-min subnormal", 0x8001, -0x1p-133},
	{"+Inf", 0x7f80, float32(math.Inf(1))},
	{"-Inf", 0xff80, float32(math.Inf(-1))},
	{"NaN", 0x7fc0, float32(math.NaN())},
}

func TestFloat32sHalf(t *testing.T) {
	for dtype, tests := range map[DType][]halfTest{F16: float16Tests, BF16: bfloat16Tests} {
		// Convert all patterns as one tensor to exercise the indexing too.
		tensor := Tensor{Name: "h", DType: dtype, Shape: []int{len(tests)}}
		for _, tt := range tests {
			tensor.Data = binary.LittleEndian.AppendUint16(tensor.Data, tt.bits)
		}
		got, err := tensor.Float32s()
		if err != nil {
			t.Fatalf("%s: Float32s() error: %v", dtype, err)
		}
		for i, tt := range tests {
			if !sameFloat32(got[i], tt.want) {
				t.Errorf("%s %s (%#04x) = %v (%#08x), want %v (%#08x)", dtype, tt.name, tt.bits,
					got[i], math.Float32bits(got[i]), tt.want, math.Float32bits(tt.want))
			}
		}
	}
}

func TestFloat32sF64(t *testing.T) {
	tests := []struct {
		name    string
		in      float64
		want    float32
		wantErr string
	}{
		{name: "exact", in: 1.5, want: 1.5},
		{name: "rounds", in: 0.1, want: 0.1},
		{name: "-0", in: math.Copysign(0, -1), want: negZero},
		{name: "underflow to subnormal", in: 1e-40, want: 1e-40},
		{name: "underflow to zero", in: 1e-50, want: 0},
		{name: "+Inf", in: math.Inf(1), want: float32(math.Inf(1))},
		{name: "-Inf", in: math.Inf(-1), want: float32(math.Inf(-1))},
		{name: "NaN", in: math.NaN(), want: float32(math.NaN())},
		{name: "max float32", in: math.MaxFloat32, want: math.MaxFloat32},
		{name: "rounds down to max", in: math.Nextafter(float32Limit, 0), want: math.MaxFloat32},
		{name: "rounds up to Inf", in: float32Limit, wantErr: "out of float32 range"},
		{name: "negative overflow", in: -1e39, wantErr: "out of float32 range"},
		{name: "overflow", in: 1e300, wantErr: `tensor "d": element 1 (1e+300) is out of float32 range`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A leading 1 checks that the right element is converted.
			data := binary.LittleEndian.AppendUint64(nil, math.Float64bits(1))
			data = binary.LittleEndian.AppendUint64(data, math.Float64bits(tt.in))
			tensor := Tensor{Name: "d", DType: F64, Shape: []int{2}, Data: data}
			got, err := tensor.Float32s()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Float32s() = %v, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Float32s() error: %v", err)
			}
			if got[0] != 1 || !sameFloat32(got[1], tt.want) {
				t.Errorf("Float32s() = %v, want [1 %v]", got, tt.want)
			}
		})
	}
}

func TestInt64s(t *testing.T) {
	tests := []struct {
		dtype DType
		data  []byte
		want  []int64
	}{
		{I8, []byte{0x00, 0x7f, 0x80, 0xff}, []int64{0, 127, -128, -1}},
		{U8, []byte{0x00, 0x7f, 0x80, 0xff}, []int64{0, 127, 128, 255}},
		{I16, []byte{0xff, 0x7f, 0x00, 0x80}, []int64{32767, -32768}},
		{U16, []byte{0xff, 0x7f, 0x00, 0x80}, []int64{32767, 32768}},
		{I32, []byte{0x01, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, []int64{1, -1}},
		{U32, []byte{0x01, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, []int64{1, 4294967295}},
		{I64, []byte{0, 0, 0, 0, 0, 0, 0, 0x80, 2, 1, 0, 0, 0, 0, 0, 0}, []int64{math.MinInt64, 258}},
		{U64, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, []int64{math.MaxInt64}},
		{I32, nil, []int64{}},
	}
	for _, tt := range tests {
		size := tt.dtype.Size()
		tensor := Tensor{Name: "i", DType: tt.dtype, Shape: []int{len(tt.data) / size}, Data: tt.data}
		got, err := tensor.Int64s()
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%s % x: Int64s() = %v, %v; want %v", tt.dtype, tt.data, got, err, tt.want)
		}
	}
}

func TestConversionErrors(t *testing.T) {
	tests := []struct {
		name    string
		tensor  Tensor
		convert func(*Tensor) error
		want    string
	}{
		{"Float32s of I64", Int64("x", []int{1}, []int64{1}), float32s, `tensor "x": cannot convert I64 to float32`},
		{"Float32s of BOOL", Tensor{Name: "b", DType: BOOL, Data: []byte{1}}, float32s, "cannot convert BOOL to float32"},
		{"Int64s of F32", Float32("x", []int{1}, []float32{1}), int64s, `tensor "x": cannot convert F32 to int64`},
		{"Int64s of BF16", Tensor{Name: "h", DType: BF16, Data: []byte{0, 0}}, int64s, "cannot convert BF16 to int64"},
		{"Int64s of BOOL", Tensor{Name: "b", DType: BOOL, Data: []byte{1}}, int64s, "cannot convert BOOL to int64"},
		{"U64 overflow", Tensor{Name: "u", DType: U64, Shape: []int{1}, Data: []byte{0, 0, 0, 0, 0, 0, 0, 0x80}}, int64s,
			`tensor "u": element 0 (9223372036854775808) overflows int64`},
		{"unknown dtype", Tensor{Name: "q", DType: "Q4", Data: []byte{0}}, float32s, `tensor "q": unknown dtype "Q4"`},
		{"short data", Float32("x", []int{2}, []float32{1}), float32s, "has 4 bytes of data, want 8"},
		{"long data", Int64("x", nil, []int64{1, 2}), int64s, "has 16 bytes of data, want 8"},
		{"negative dim", Float32("x", []int{-1}, nil), float32s, "shape[0] = -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.convert(&tt.tensor)
			if err == nil || !strings.HasPrefix(err.Error(), "safetensors: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func float32s(t *Tensor) error { _, err := t.Float32s(); return err }
func int64s(t *Tensor) error   { _, err := t.Int64s(); return err }

func TestQuote(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes
	tests := []struct{ in, want string }{
		{"w", `"w"`},
		{"a\nb", `"a\nb"`},
		{strings.Repeat("x", maxQuoted), `"` + strings.Repeat("x", maxQuoted) + `"`},
		{long, `"` + strings.Repeat("é", maxQuoted/2) + `"...`},
		{"x" + long, `"x` + strings.Repeat("é", (maxQuoted-1)/2) + `"...`},
	}
	for _, tt := range tests {
		if got := quote(tt.in); got != tt.want {
			t.Errorf("quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
