package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxHeaderSize is the largest JSON header, in bytes, that [Parse] accepts and
// [Write] produces.
const MaxHeaderSize = 100 << 20

// metadataKey is the header key reserved for the file's metadata.
const metadataKey = "__metadata__"

// File is a parsed safetensors file.
type File struct {
	// Metadata holds the header's "__metadata__" entry, or nil if it has none.
	Metadata map[string]string
	// Tensors holds the tensors in the order of their data offsets.
	Tensors []Tensor
}

// Tensor returns the tensor with the given name, and whether there is one.
func (f *File) Tensor(name string) (*Tensor, bool) {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i], true
		}
	}
	return nil, false
}

// Parse parses a safetensors file held entirely in data, checking it as the
// package documentation describes.
//
// The Data of each returned tensor aliases data, so changes to one show in
// the other; copy data first if that matters. Each Data's capacity ends with
// its length, so appending to it never overwrites a neighbour.
func Parse(data []byte) (*File, error) {
	f, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return f, nil
}

// ReadFile reads and parses the safetensors file at path. The tensors' Data
// share one buffer, as with [Parse].
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return f, nil
}

// parse implements Parse, returning errors without the package prefix.
func parse(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("file is %d bytes, too short for the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	if rest := len(data) - 8; n > uint64(rest) {
		return nil, fmt.Errorf("header length %d exceeds the %d bytes after it", n, rest)
	}
	header, buf := data[8:8+n], data[8+n:]
	meta, entries, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	tensors, err := checkLayout(entries, buf)
	if err != nil {
		return nil, err
	}
	return &File{Metadata: meta, Tensors: tensors}, nil
}

// entry is a tensor as the header describes it.
type entry struct {
	name       string
	dtype      DType
	shape      []int
	begin, end int // data_offsets
}

// parseHeader parses the JSON header into its metadata and tensor entries,
// in header order.
func parseHeader(header []byte) (map[string]string, []entry, error) {
	// encoding/json would quietly replace invalid UTF-8 with U+FFFD.
	if !utf8.Valid(header) {
		return nil, nil, errors.New("header is not valid UTF-8")
	}
	d := headerDecoder{json.NewDecoder(bytes.NewReader(header))}
	d.dec.UseNumber()
	if err := d.begin('{', "header"); err != nil {
		return nil, nil, err
	}
	var (
		meta    map[string]string
		entries []entry
		seen    = make(map[string]bool)
	)
	for d.dec.More() {
		name, err := d.key()
		if err != nil {
			return nil, nil, fmt.Errorf("header: %w", err)
		}
		if seen[name] {
			return nil, nil, fmt.Errorf("header: duplicate key %s", quote(name))
		}
		seen[name] = true
		if name == metadataKey {
			if meta, err = d.metadata(); err != nil {
				return nil, nil, err
			}
			continue
		}
		if name == "" {
			return nil, nil, errors.New("header: tensor with an empty name")
		}
		e, err := d.entry(name)
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %s: %w", quote(name), err)
		}
		entries = append(entries, e)
	}
	if err := d.end(); err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	// Only whitespace, such as the writer's padding, may follow.
	if _, err := d.dec.Token(); err != io.EOF {
		return nil, nil, fmt.Errorf("header: unexpected data after the JSON object at byte %d", d.dec.InputOffset())
	}
	return meta, entries, nil
}

// checkLayout checks the entries against the data buffer buf and returns their
// tensors in the order of their data offsets.
func checkLayout(entries []entry, buf []byte) ([]Tensor, error) {
	for _, e := range entries {
		size, err := byteSize(e.dtype, e.shape)
		if err != nil {
			return nil, fmt.Errorf("tensor %s: %w", quote(e.name), err)
		}
		if e.end > len(buf) {
			return nil, fmt.Errorf("tensor %s: data_offsets [%d,%d) extend beyond the %d-byte data buffer",
				quote(e.name), e.begin, e.end, len(buf))
		}
		if e.end-e.begin != size {
			return nil, fmt.Errorf("tensor %s: data_offsets [%d,%d) hold %d bytes, want %d for %d elements of %s",
				quote(e.name), e.begin, e.end, e.end-e.begin, size, size/e.dtype.Size(), e.dtype)
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), strings.Compare(a.name, b.name))
	})
	pos := 0 // where the next tensor must begin
	for i, e := range entries {
		if e.begin < pos {
			p := entries[i-1] // pos > 0 only after a tensor
			return nil, fmt.Errorf("tensor %s: data_offsets [%d,%d) overlap tensor %s at [%d,%d)",
				quote(e.name), e.begin, e.end, quote(p.name), p.begin, p.end)
		}
		if e.begin > pos {
			return nil, fmt.Errorf("tensor %s: data_offsets [%d,%d) leave a gap of %d bytes before them",
				quote(e.name), e.begin, e.end, e.begin-pos)
		}
		pos = e.end
	}
	if pos != len(buf) {
		return nil, fmt.Errorf("%d trailing bytes of the %d-byte data buffer belong to no tensor", len(buf)-pos, len(buf))
	}
	tensors := make([]Tensor, len(entries))
	for i, e := range entries {
		tensors[i] = Tensor{Name: e.name, DType: e.dtype, Shape: e.shape, Data: buf[e.begin:e.end:e.end]}
	}
	return tensors, nil
}

// headerDecoder walks the JSON header token by token, which lets it reject
// duplicate keys that encoding/json's Unmarshal would silently accept.
type headerDecoder struct {
	dec *json.Decoder
}

// next returns the next token.
func (d headerDecoder) next() (json.Token, error) {
	tok, err := d.dec.Token()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, fmt.Errorf("invalid JSON at byte %d: %v", d.dec.InputOffset(), err)
	}
	return tok, nil
}

// begin consumes the delimiter that opens an object ('{') or an array ('[');
// what names the value in errors.
func (d headerDecoder) begin(delim json.Delim, what string) error {
	tok, err := d.next()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if tok != delim {
		want := "an object"
		if delim == '[' {
			want = "an array"
		}
		return fmt.Errorf("%s is %s, want %s", what, describe(tok), want)
	}
	return nil
}

// end consumes the delimiter that closes an object or array once More has
// reported that no elements remain. The decoder has checked that it matches.
func (d headerDecoder) end() error {
	_, err := d.next()
	return err
}

// key returns the next object key.
func (d headerDecoder) key() (string, error) {
	tok, err := d.next()
	if err != nil {
		return "", err
	}
	key, ok := tok.(string) // the decoder allows only strings as keys
	if !ok {
		return "", fmt.Errorf("object key is %s", describe(tok))
	}
	return key, nil
}

// metadata parses the value of the "__metadata__" key.
func (d headerDecoder) metadata() (map[string]string, error) {
	if err := d.begin('{', metadataKey); err != nil {
		return nil, err
	}
	meta := make(map[string]string)
	for d.dec.More() {
		key, err := d.key()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", metadataKey, err)
		}
		if _, dup := meta[key]; dup {
			return nil, fmt.Errorf("%s: duplicate key %s", metadataKey, quote(key))
		}
		tok, err := d.next()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", metadataKey, err)
		}
		val, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("%s: value of %s is %s, want a string", metadataKey, quote(key), describe(tok))
		}
		meta[key] = val
	}
	if err := d.end(); err != nil {
		return nil, fmt.Errorf("%s: %w", metadataKey, err)
	}
	return meta, nil
}

// entry parses the header entry of the named tensor. It checks each field on
// its own; checkLayout checks them against each other and the data buffer.
func (d headerDecoder) entry(name string) (entry, error) {
	e := entry{name: name}
	if err := d.begin('{', "entry"); err != nil {
		return e, err
	}
	seen := make(map[string]bool, 3)
	for d.dec.More() {
		field, err := d.key()
		if err != nil {
			return e, err
		}
		if seen[field] {
			return e, fmt.Errorf("duplicate field %s", quote(field))
		}
		seen[field] = true
		switch field {
		case "dtype":
			tok, err := d.next()
			if err != nil {
				return e, fmt.Errorf("dtype: %w", err)
			}
			s, ok := tok.(string)
			if !ok {
				return e, fmt.Errorf("dtype is %s, want a string", describe(tok))
			}
			if e.dtype = DType(s); e.dtype.Size() == 0 {
				return e, fmt.Errorf("unknown dtype %s", quote(s))
			}
		case "shape":
			if e.shape, err = d.ints(field); err != nil {
				return e, err
			}
		case "data_offsets":
			offsets, err := d.ints(field)
			if err != nil {
				return e, err
			}
			if len(offsets) != 2 {
				return e, fmt.Errorf("data_offsets has %d elements, want 2", len(offsets))
			}
			e.begin, e.end = offsets[0], offsets[1]
			if e.begin > e.end {
				return e, fmt.Errorf("data_offsets [%d,%d) out of order", e.begin, e.end)
			}
		default:
			return e, fmt.Errorf("unknown field %s", quote(field))
		}
	}
	if err := d.end(); err != nil {
		return e, err
	}
	for _, field := range [...]string{"dtype", "shape", "data_offsets"} {
		if !seen[field] {
			return e, fmt.Errorf("missing field %q", field)
		}
	}
	return e, nil
}

// ints parses an array of non-negative integers; what names it in errors.
func (d headerDecoder) ints(what string) ([]int, error) {
	if err := d.begin('[', what); err != nil {
		return nil, err
	}
	vals := []int{}
	for d.dec.More() {
		tok, err := d.next()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		v, err := nonNegative(tok)
		if err != nil {
			return nil, fmt.Errorf("%s[%d] %w", what, len(vals), err)
		}
		vals = append(vals, v)
	}
	if err := d.end(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return vals, nil
}

// nonNegative returns the value of tok, which must be a non-negative integer
// that fits in an int. Its errors read as the predicate of a sentence.
func nonNegative(tok json.Token) (int, error) {
	num, ok := tok.(json.Number)
	if !ok {
		return 0, fmt.Errorf("is %s, want a non-negative integer", describe(tok))
	}
	v, err := strconv.ParseInt(string(num), 10, 0)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("= %s overflows int", clip(string(num)))
	case err != nil:
		return 0, fmt.Errorf("= %s is not an integer", clip(string(num)))
	case v < 0:
		return 0, fmt.Errorf("= %d is negative", v)
	}
	return int(v), nil
}

// describe names the kind of JSON value that tok begins.
func describe(tok json.Token) string {
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '[' || tok == ']' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

// clip shortens s, a JSON number, to about maxQuoted bytes for an error
// message.
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	return s[:maxQuoted] + "..."
}
