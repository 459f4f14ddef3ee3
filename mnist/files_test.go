package mnist

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// real holds the real MNIST files, found and loaded once for all tests.
var real struct {
	once sync.Once
	dir  string
	data *Data
	err  error
}

// realData returns the real MNIST data and the folder it came from: the
// folder $MNIST_DIR if set, else the one that Locate finds. Under
// WebAssembly, which cannot run the go command that Locate needs, it skips
// the test unless $MNIST_DIR is set.
func realData(t *testing.T) (*Data, string) {
	t.Helper()
	dir := os.Getenv("MNIST_DIR")
	if dir == "" && runtime.GOOS == "js" {
		t.Skip("needs the real MNIST files, which WebAssembly cannot locate (that runs the go command): set MNIST_DIR to a folder holding them to run it")
	}
	real.once.Do(func() {
		real.dir = dir
		if real.dir == "" {
			real.dir, real.err = Locate(context.Background())
		}
		if real.err == nil {
			real.data, real.err = Load(real.dir)
		}
	})
	if real.err != nil {
		t.Fatalf("the real MNIST files: %v", real.err)
	}
	return real.data, real.dir
}

func TestRealData(t *testing.T) {
	data, _ := realData(t)
	tests := []struct {
		name  string
		set   *Set
		count [Classes]int
	}{
		{"train", data.Train, [Classes]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}},
		{"test", data.Test, [Classes]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var count [Classes]int
			for _, l := range tt.set.Labels {
				count[l]++
			}
			if count != tt.count {
				t.Errorf("label counts %v, want %v", count, tt.count)
			}
			if n, want := len(tt.set.Pixels), tt.set.Len()*Pixels; n != want {
				t.Errorf("%d pixel bytes for %d images", n, tt.set.Len())
			}
		})
	}
	// The first test image is a 7 whose brightest pixels are full ink.
	if img := data.Test.Image(0); data.Test.Labels[0] != 7 || slices.Max(img) != 255 {
		t.Errorf("first test image: label %d, brightest pixel %d, want 7 and 255", data.Test.Labels[0], slices.Max(img))
	}
}

// copyFiles writes the four MNIST files of src into a new folder, each as
// write transforms it from the file as published, and returns the folder.
func copyFiles(t *testing.T, src string, write func(name string, gz []byte) (string, []byte)) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range canonicalFiles {
		gz, err := os.ReadFile(filepath.Join(src, f.name+".gz"))
		if err != nil {
			t.Fatal(err)
		}
		name, b := write(f.name, gz)
		if b == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// ungzip returns the content of a gzip file.
func ungzip(t *testing.T, gz []byte) []byte {
	t.Helper()
	b, err := Gunzip(gz, maxIDXBytes)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadChecksums(t *testing.T) {
	data, src := realData(t)
	tests := []struct {
		name string
		// file returns the name and content of the copy of the file name,
		// given as published; a nil content leaves it out.
		file func(t *testing.T, name string, gz []byte) (string, []byte)
		want string // "" for success
	}{
		{"as published", func(t *testing.T, name string, gz []byte) (string, []byte) {
			return name + ".gz", gz
		}, ""},
		{"uncompressed", func(t *testing.T, name string, gz []byte) (string, []byte) {
			return name, ungzip(t, gz)
		}, ""},
		{"uncompressed, dotted names", func(t *testing.T, name string, gz []byte) (string, []byte) {
			return strings.Replace(name, "-idx", ".idx", 1), ungzip(t, gz)
		}, ""},
		{"compressed again", func(t *testing.T, name string, gz []byte) (string, []byte) {
			if name == testImages.name {
				gz = gzipped(ungzip(t, gz))
			}
			return name + ".gz", gz
		}, ""},
		{"gzip without .gz", func(t *testing.T, name string, gz []byte) (string, []byte) {
			return name, gz
		}, ""},
		{"one byte flipped in a gzip file", func(t *testing.T, name string, gz []byte) (string, []byte) {
			if name == trainImages.name {
				gz = flip(gz, len(gz)/2)
			}
			return name + ".gz", gz
		}, "train-images-idx3-ubyte.gz: not the canonical MNIST file: "},
		{"one label changed", func(t *testing.T, name string, gz []byte) (string, []byte) {
			raw := ungzip(t, gz)
			if name == testLabels.name {
				raw[100] = (raw[100] + 1) % 10
			}
			return name, raw
		}, "t10k-labels-idx1-ubyte: not the canonical MNIST file: SHA-256 is "},
		{"one pixel changed, compressed again", func(t *testing.T, name string, gz []byte) (string, []byte) {
			if name == testImages.name {
				raw := ungzip(t, gz)
				raw[1000]++
				gz = gzipped(raw)
			}
			return name + ".gz", gz
		}, "t10k-images-idx3-ubyte.gz: not the canonical MNIST file: SHA-256 of the uncompressed content is "},
		{"labels swapped", func(t *testing.T, name string, gz []byte) (string, []byte) {
			switch name {
			case trainLabels.name:
				name = testLabels.name
			case testLabels.name:
				name = trainLabels.name
			}
			return name + ".gz", gz
		}, "train-labels-idx1-ubyte.gz: not the canonical MNIST file: it is t10k-labels-idx1-ubyte"},
		{"missing", func(t *testing.T, name string, gz []byte) (string, []byte) {
			if name == testLabels.name {
				return "", nil
			}
			return name + ".gz", gz
		}, ": no t10k-labels-idx1-ubyte.gz (nor t10k-labels-idx1-ubyte nor t10k-labels.idx1-ubyte)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyFiles(t, src, func(name string, gz []byte) (string, []byte) { return tt.file(t, name, gz) })
			got, err := Load(dir)
			// What a server hands out, read back as a browser does.
			published, perr := ReadPublished(dir)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if perr != nil {
					t.Fatalf("ReadPublished: %v", perr)
				}
				fromFiles, err := FromFiles(published)
				if err != nil {
					t.Fatalf("FromFiles(ReadPublished): %v", err)
				}
				for _, d := range []*Data{got, fromFiles} {
					if !bytes.Equal(d.Train.Pixels, data.Train.Pixels) || !bytes.Equal(d.Test.Labels, data.Test.Labels) {
						t.Error("loaded data differ from the published files'")
					}
				}
				for i, gz := range published {
					if !bytes.HasPrefix(gz, []byte(gzipMagic)) {
						t.Errorf("ReadPublished's %s is not gzip-compressed", FileNames()[i])
					}
				}
				return
			}
			for _, err := range []error{err, perr} {
				if err == nil {
					t.Fatalf("no error, want %q", tt.want)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, "mnist: ") || !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
					t.Errorf("error %q, want one line containing %q", msg, tt.want)
				}
			}
		})
	}
}

// TestFromFiles checks the errors of files a browser fetched: the wrong
// number, the wrong order, one cut short.
func TestFromFiles(t *testing.T) {
	_, src := realData(t)
	published, err := ReadPublished(src)
	if err != nil {
		t.Fatal(err)
	}
	swapped := slices.Clone(published)
	swapped[1], swapped[3] = swapped[3], swapped[1]
	cut := slices.Clone(published)
	cut[2] = cut[2][:len(cut[2])/2]
	for _, tt := range []struct {
		name  string
		files [][]byte
		want  string
	}{
		{"three files", published[:3], "mnist: 3 files, want the four MNIST files"},
		{"labels swapped", swapped, "mnist: train-labels-idx1-ubyte: not the canonical MNIST file: it is t10k-labels-idx1-ubyte"},
		{"cut short", cut, "mnist: t10k-images-idx3-ubyte: not the canonical MNIST file: decompressing: unexpected EOF"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromFiles(tt.files)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	if got := FileNames(); !slices.Equal(got, []string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
		t.Errorf("FileNames() = %q", got)
	}
}

func TestNewSet(t *testing.T) {
	tests := []struct {
		name           string
		pixels, labels []uint8
		want           string // "" for success
	}{
		{"two images", make([]uint8, 2*Pixels), []uint8{3, 9}, ""},
		{"empty", nil, nil, ""},
		{"more labels", make([]uint8, 2*Pixels), []uint8{3, 9, 1}, "mnist: 2 images but 3 labels"},
		{"fewer labels", make([]uint8, 60000*Pixels), make([]uint8, 10000), "mnist: 60000 images but 10000 labels"},
		{"part of an image", make([]uint8, Pixels+28), []uint8{1}, "mnist: 812 pixel bytes is not a whole number of 784-byte images"},
		{"label 10", make([]uint8, Pixels), []uint8{10}, "mnist: label 0: value 10, want 0 to 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSet(tt.pixels, tt.labels)
			switch {
			case tt.want == "" && err != nil:
				t.Fatal(err)
			case tt.want == "" && s.Len() != len(tt.labels):
				t.Errorf("Len %d, want %d", s.Len(), len(tt.labels))
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestGunzip checks the limit: a file that decompresses to exactly limit
// bytes is read, one byte more is refused.
func TestGunzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(make([]byte, 1000)) //nolint:errcheck // a bytes.Buffer does not fail
	zw.Close()
	if b, err := Gunzip(buf.Bytes(), 1000); err != nil || len(b) != 1000 {
		t.Fatalf("Gunzip at the limit: %d bytes, %v", len(b), err)
	}
	if _, err := Gunzip(buf.Bytes(), 999); err == nil || !strings.Contains(err.Error(), "more than 999 bytes") {
		t.Fatalf("Gunzip past the limit: %v", err)
	}
}
