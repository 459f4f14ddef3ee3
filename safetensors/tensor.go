package safetensors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"unicode/utf8"
)

// DType names an element type as the safetensors header spells it.
type DType string

// The element types this package supports. All multi-byte types are stored
// little-endian.
const (
	F64  DType = "F64"  // IEEE 754 binary64
	F32  DType = "F32"  // IEEE 754 binary32
	F16  DType = "F16"  // IEEE 754 binary16
	BF16 DType = "BF16" // bfloat16: the upper half of a binary32
	I64  DType = "I64"  // signed 64-bit integer
	I32  DType = "I32"  // signed 32-bit integer
	I16  DType = "I16"  // signed 16-bit integer
	I8   DType = "I8"   // signed 8-bit integer
	U64  DType = "U64"  // unsigned 64-bit integer
	U32  DType = "U32"  // unsigned 32-bit integer
	U16  DType = "U16"  // unsigned 16-bit integer
	U8   DType = "U8"   // unsigned 8-bit integer
	BOOL DType = "BOOL" // one byte per element, 0 or 1
)

// Size returns the number of bytes in one element of type d, or 0 if this
// package does not support d.
func (d DType) Size() int {
	switch d {
	case F64, I64, U64:
		return 8
	case F32, I32, U32:
		return 4
	case F16, BF16, I16, U16:
		return 2
	case I8, U8, BOOL:
		return 1
	}
	return 0
}

// Tensor is one named tensor: its element type, shape, and raw little-endian
// bytes.
//
// Shape lists the dimensions, outermost first. An empty Shape is a scalar
// with one element; a dimension of 0 makes a tensor with no elements. Data
// holds NumElements() × DType.Size() bytes in row-major order.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// NumElements returns the number of elements that t.Shape describes: the
// product of its dimensions, or 1 for a scalar. It returns -1 if a dimension
// is negative or the product overflows int.
func (t *Tensor) NumElements() int {
	n, err := numElements(t.Shape)
	if err != nil {
		return -1
	}
	return n
}

// Float32 returns an F32 tensor with the given name, shape and values. It
// copies shape and data. It does not check that len(data) matches shape;
// [Write] does.
func Float32(name string, shape []int, data []float32) Tensor {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, DType: F32, Shape: slices.Clone(shape), Data: b}
}

// Int64 returns an I64 tensor with the given name, shape and values. It
// copies shape and data. It does not check that len(data) matches shape;
// [Write] does.
func Int64(name string, shape []int, data []int64) Tensor {
	b := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return Tensor{Name: name, DType: I64, Shape: slices.Clone(shape), Data: b}
}

// float32Limit is the smallest magnitude that a conversion from float64 to
// float32 rounds to infinity: MaxFloat32 plus half of its unit in the last
// place.
const float32Limit = 0x1.ffffffp127

// Float32s returns t's elements converted to float32. It converts F32, F16,
// BF16 and F64 tensors; F16 and BF16 convert exactly, and F64 rounds to
// nearest. It returns an error for other dtypes, for a tensor whose Data does
// not match its shape, and for a finite F64 element beyond the range of
// float32. Infinities and NaNs convert to themselves.
func (t *Tensor) Float32s() ([]float32, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	out := make([]float32, t.NumElements())
	if err := t.ReadFloat32s(out); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadFloat32s is Float32s into dst, which must have room for exactly t's
// elements: it allocates nothing.
func (t *Tensor) ReadFloat32s(dst []float32) error {
	if err := t.check(); err != nil {
		return err
	}
	if n := t.NumElements(); len(dst) != n {
		return fmt.Errorf("safetensors: tensor %s: %d elements into room for %d", quote(t.Name), n, len(dst))
	}
	le := binary.LittleEndian
	switch t.DType {
	case F32: // a loop of its own: the model files' type, and the hot one
		for i := range dst {
			dst[i] = math.Float32frombits(le.Uint32(t.Data[4*i:]))
		}
	case F16:
		decode(dst, 2, t.Data, func(b []byte) float32 {
			return float16to32(le.Uint16(b))
		})
	case BF16:
		decode(dst, 2, t.Data, func(b []byte) float32 {
			return math.Float32frombits(uint32(le.Uint16(b)) << 16)
		})
	case F64:
		for i := range dst {
			v := math.Float64frombits(le.Uint64(t.Data[8*i:]))
			if math.Abs(v) >= float32Limit && !math.IsInf(v, 0) {
				return fmt.Errorf("safetensors: tensor %s: element %d (%g) is out of float32 range", quote(t.Name), i, v)
			}
			dst[i] = float32(v)
		}
	default:
		return fmt.Errorf("safetensors: tensor %s: cannot convert %s to float32", quote(t.Name), t.DType)
	}
	return nil
}

// Int64s returns t's elements converted to int64. It converts the integer
// dtypes (I8 to I64 and U8 to U64). It returns an error for other dtypes, for
// a tensor whose Data does not match its shape, and for a U64 element above
// math.MaxInt64.
func (t *Tensor) Int64s() ([]int64, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	n, le := t.NumElements(), binary.LittleEndian
	switch t.DType {
	case I64:
		return decode(make([]int64, n), 8, t.Data, func(b []byte) int64 { return int64(le.Uint64(b)) }), nil
	case I32:
		return decode(make([]int64, n), 4, t.Data, func(b []byte) int64 { return int64(int32(le.Uint32(b))) }), nil
	case I16:
		return decode(make([]int64, n), 2, t.Data, func(b []byte) int64 { return int64(int16(le.Uint16(b))) }), nil
	case I8:
		return decode(make([]int64, n), 1, t.Data, func(b []byte) int64 { return int64(int8(b[0])) }), nil
	case U32:
		return decode(make([]int64, n), 4, t.Data, func(b []byte) int64 { return int64(le.Uint32(b)) }), nil
	case U16:
		return decode(make([]int64, n), 2, t.Data, func(b []byte) int64 { return int64(le.Uint16(b)) }), nil
	case U8:
		return decode(make([]int64, n), 1, t.Data, func(b []byte) int64 { return int64(b[0]) }), nil
	case U64:
		out := make([]int64, n)
		for i := range out {
			v := le.Uint64(t.Data[8*i:])
			if v > math.MaxInt64 {
				return nil, fmt.Errorf("safetensors: tensor %s: element %d (%d) overflows int64", quote(t.Name), i, v)
			}
			out[i] = int64(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("safetensors: tensor %s: cannot convert %s to int64", quote(t.Name), t.DType)
}

// decode converts len(dst) elements of size bytes each from data with
// conv, into dst, and returns dst.
func decode[T any](dst []T, size int, data []byte, conv func([]byte) T) []T {
	for i := range dst {
		dst[i] = conv(data[i*size:])
	}
	return dst
}

// float16to32 converts an IEEE 754 binary16 value, given by its bits, to
// float32. Every binary16 value is exactly representable as a float32.
func float16to32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch exp {
	case 0x1f: // infinity or NaN, keeping the NaN payload
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case 0: // zero or subnormal: frac × 2⁻²⁴
		return math.Float32frombits(sign | math.Float32bits(float32(frac)*0x1p-24))
	}
	return math.Float32frombits(sign | (exp-15+127)<<23 | frac<<13)
}

// check reports an error unless t has a known dtype, a valid shape, and Data
// of the matching length. It does not check t.Name.
func (t *Tensor) check() error {
	size, err := byteSize(t.DType, t.Shape)
	if err != nil {
		return fmt.Errorf("safetensors: tensor %s: %w", quote(t.Name), err)
	}
	if len(t.Data) != size {
		return fmt.Errorf("safetensors: tensor %s: has %d bytes of data, want %d for shape %v of %s",
			quote(t.Name), len(t.Data), size, t.Shape, t.DType)
	}
	return nil
}

// numElements returns the number of elements in a tensor of the given shape.
func numElements(shape []int) (int, error) {
	for i, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("shape[%d] = %d is negative", i, d)
		}
	}
	if slices.Contains(shape, 0) {
		return 0, nil
	}
	n := 1
	for _, d := range shape {
		if n > math.MaxInt/d {
			return 0, errors.New("shape's element count overflows int")
		}
		n *= d
	}
	return n, nil
}

// byteSize returns the number of bytes in a tensor of the given dtype and
// shape.
func byteSize(dtype DType, shape []int) (int, error) {
	size := dtype.Size()
	if size == 0 {
		return 0, fmt.Errorf("unknown dtype %s", quote(string(dtype)))
	}
	n, err := numElements(shape)
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt/size {
		return 0, fmt.Errorf("byte size of %d %s elements overflows int", n, dtype)
	}
	return n * size, nil
}

// maxQuoted is the length beyond which quote shortens a string.
const maxQuoted = 64

// quote returns s as a Go string literal for an error message, shortening it
// to about maxQuoted bytes so that hostile input cannot bloat the message.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return fmt.Sprintf("%q", s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q...", s[:cut])
}
