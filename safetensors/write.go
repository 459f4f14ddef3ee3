package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// Write writes a safetensors file holding metadata and tensors to w.
//
// Write first checks its input and writes nothing if it is invalid: every
// tensor needs a unique, non-empty, valid UTF-8 name other than
// "__metadata__", a known dtype, non-negative dimensions, and exactly
// NumElements() × DType.Size() bytes of data; metadata keys and values must
// be valid UTF-8.
//
// The output depends only on the set of tensors and the metadata: the
// tensors' data is laid out in order of name, whatever their order in
// tensors, and the header lists its keys in sorted order, padded with spaces
// so that the data starts at a multiple of 8 bytes. Empty metadata writes no
// "__metadata__" entry.
func Write(w io.Writer, metadata map[string]string, tensors []Tensor) error {
	header, order, err := encodeHeader(metadata, tensors)
	if err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	for _, i := range order {
		if _, err := w.Write(tensors[i].Data); err != nil {
			return fmt.Errorf("safetensors: %w", err)
		}
	}
	return nil
}

// WriteFile writes a safetensors file holding metadata and tensors to path,
// as [Write] does, and atomically: it writes a temporary file in the same
// directory, syncs it to stable storage, and renames it to path. If that
// fails, WriteFile removes the temporary file and leaves any existing file at
// path untouched. The file keeps the permissions of the file it replaces, or
// gets 0644 if there was none.
func WriteFile(path string, metadata map[string]string, tensors []Tensor) error {
	perm := fs.FileMode(0o644)
	if info, err := os.Stat(path); err == nil {
		perm = info.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	err = writeSynced(tmp, perm, metadata, tensors)
	if closeErr := tmp.Close(); err == nil && closeErr != nil {
		err = fmt.Errorf("safetensors: %w", closeErr)
	}
	if err == nil {
		if renameErr := os.Rename(tmp.Name(), path); renameErr != nil {
			err = fmt.Errorf("safetensors: %w", renameErr)
		}
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// writeSynced writes the file to f, sets its permissions, and syncs it to
// stable storage.
func writeSynced(f *os.File, perm fs.FileMode, metadata map[string]string, tensors []Tensor) error {
	if err := Write(f, metadata, tensors); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// headerEntry is a tensor's entry in the JSON header.
type headerEntry struct {
	DType       DType  `json:"dtype"`
	Shape       []int  `json:"shape"`
	DataOffsets [2]int `json:"data_offsets"`
}

// encodeHeader checks the input to Write and returns the start of the file,
// the 8-byte length followed by the padded JSON header, and the order in
// which to write the tensors' data.
func encodeHeader(metadata map[string]string, tensors []Tensor) ([]byte, []int, error) {
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, nil, fmt.Errorf("safetensors: metadata %s: not valid UTF-8", quote(k))
		}
	}
	order := make([]int, len(tensors))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return strings.Compare(tensors[i].Name, tensors[j].Name) })

	entries := make(map[string]any, len(tensors)+1)
	if len(metadata) > 0 {
		entries[metadataKey] = metadata
	}
	offset := 0
	for k, i := range order {
		t := &tensors[i]
		switch {
		case t.Name == "":
			return nil, nil, fmt.Errorf("safetensors: tensor %d has an empty name", i)
		case t.Name == metadataKey:
			return nil, nil, fmt.Errorf("safetensors: tensor %d: name %q is reserved", i, metadataKey)
		case !utf8.ValidString(t.Name):
			return nil, nil, fmt.Errorf("safetensors: tensor %s: name is not valid UTF-8", quote(t.Name))
		case k > 0 && tensors[order[k-1]].Name == t.Name:
			return nil, nil, fmt.Errorf("safetensors: duplicate tensor name %s", quote(t.Name))
		}
		if err := t.check(); err != nil {
			return nil, nil, err
		}
		if len(t.Data) > math.MaxInt-offset {
			return nil, nil, fmt.Errorf("safetensors: tensor %s: total data size overflows int", quote(t.Name))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{} // a scalar: [] rather than null
		}
		entries[t.Name] = headerEntry{DType: t.DType, Shape: shape, DataOffsets: [2]int{offset, offset + len(t.Data)}}
		offset += len(t.Data)
	}

	var buf bytes.Buffer
	buf.Write(make([]byte, 8)) // room for the header length
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(entries); err != nil {
		return nil, nil, fmt.Errorf("safetensors: encoding header: %w", err)
	}
	buf.Truncate(buf.Len() - 1) // Encode's trailing newline
	for buf.Len()%8 != 0 {
		buf.WriteByte(' ')
	}
	header := buf.Bytes()
	n := len(header) - 8
	if n > MaxHeaderSize {
		return nil, nil, fmt.Errorf("safetensors: header of %d bytes exceeds the limit of %d", n, MaxHeaderSize)
	}
	binary.LittleEndian.PutUint64(header, uint64(n))
	return header, order, nil
}
