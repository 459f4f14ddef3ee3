// Package safetensors reads and writes the safetensors tensor file format.
//
// A safetensors file has three parts:
//
//  1. an 8-byte little-endian unsigned integer N, the length of the header;
//  2. N bytes of UTF-8 JSON, the header;
//  3. the data buffer, which holds the raw little-endian bytes of every
//     tensor, row-major.
//
// The header is a JSON object that maps each tensor's name to an entry such as
//
//	{"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
//
// where data_offsets is the half-open byte range [begin, end) of the tensor's
// data, relative to the start of the data buffer. An optional "__metadata__"
// key maps to an object of string keys and string values. Writers pad the
// header with trailing spaces so that the data buffer starts at a multiple of
// 8 bytes; readers must not rely on that.
//
// # Validation
//
// [Parse] accepts only well-formed files. It rejects a file whose header is
// longer than [MaxHeaderSize] or than the file itself; a header that is not a
// single JSON object in valid UTF-8 or that repeats a key at any level; an
// entry with a missing, unknown or ill-typed field, an unknown dtype, a
// negative or non-integer dimension, or a shape whose element count or byte
// size overflows int; data_offsets that are out of order, reach beyond the
// data buffer or disagree with the shape's byte size; tensors that overlap or
// leave a gap or trailing bytes (the tensors must tile the data buffer
// exactly); an empty tensor name; and a "__metadata__" entry that is not an
// object of strings.
//
// Parse never panics, and the memory it allocates is proportional to the size
// of its input. [Write] applies the same rules to its input, so every file
// that Parse accepts can be written back with Write, and Write's output is
// deterministic.
package safetensors
