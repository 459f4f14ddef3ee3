package lstm

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/safetensors"
)

// smallClassifier returns a classifier small enough for quick tests.
func smallClassifier(t testing.TB, cfg Config) *Classifier {
	t.Helper()
	c, err := NewClassifier(cpu.New(), cfg, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func smallConfig() Config {
	return Config{InputSize: 5, HiddenSize: 6, NumLayers: 2, Bias: true, BatchFirst: true, Bidirectional: true, ProjSize: 4}
}

func sameParams(t *testing.T, a, b *Params) {
	t.Helper()
	if len(a.List()) != len(b.List()) {
		t.Fatalf("%d parameters, want %d", len(b.List()), len(a.List()))
	}
	for _, p := range a.List() {
		va, _ := a.Get(p.Name)
		vb, err := b.Get(p.Name)
		if err != nil || !slices.Equal(va, vb) {
			t.Fatalf("parameter %q differs after the round trip (err %v)", p.Name, err)
		}
	}
}

func TestModelFileRoundTrip(t *testing.T) {
	for _, cfg := range []Config{seedConfig(), smallConfig(), {InputSize: 3, HiddenSize: 4, NumLayers: 1, BatchFirst: true}} {
		c := smallClassifier(t, cfg)
		path := filepath.Join(t.TempDir(), "m.safetensors")
		if err := c.Save(path, map[string]string{"note": "hello"}); err != nil {
			t.Fatal(err)
		}
		d, meta, err := Load(cpu.New(), path)
		if err != nil {
			t.Fatal(err)
		}
		if d.Config() != cfg || d.NumClasses != c.NumClasses {
			t.Fatalf("config %+v/%d after the round trip, want %+v/%d", d.Config(), d.NumClasses, cfg, c.NumClasses)
		}
		if meta["note"] != "hello" || meta["format"] != "pt" {
			t.Fatalf("metadata %v lost the caller's or format entry", meta)
		}
		sameParams(t, c.Params(), d.Params())
	}
}

// TestModelFileFromPyTorch loads state_dicts saved by the seed's PyTorch
// class in every float dtype (no config metadata: it is inferred) and
// compares the logits with PyTorch's.
func TestModelFileFromPyTorch(t *testing.T) {
	checks, _ := filepath.Glob(filepath.Join("testdata", "torchsaved", "*.check.safetensors"))
	if len(checks) == 0 {
		t.Fatal("no fixtures in testdata/torchsaved")
	}
	for _, check := range checks {
		model := strings.TrimSuffix(check, ".check.safetensors") + ".safetensors"
		t.Run(filepath.Base(model), func(t *testing.T) {
			c, meta, err := Load(cpu.New(), model)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := meta["config"]; ok {
				t.Fatalf("%s has config metadata; it should be a bare PyTorch state_dict", model)
			}
			fx := loadFixture(t, cpu.New(), check)
			logits, err := c.Logits(fx.tensor("input"))
			if err != nil {
				t.Fatal(err)
			}
			fx.check("logits", logits.Data)
		})
	}
}

// encodeWith returns a model file of c whose tensors and metadata have been
// changed by edit.
func encodeWith(t *testing.T, c *Classifier, edit func(meta map[string]string, tensors []safetensors.Tensor) []safetensors.Tensor) []byte {
	t.Helper()
	meta, tensors, err := c.fileContents(nil)
	if err != nil {
		t.Fatal(err)
	}
	tensors = edit(meta, tensors)
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, meta, tensors); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestModelFileRejects(t *testing.T) {
	c := smallClassifier(t, smallConfig())
	good, err := c.Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	setConfig := func(edit func(*ModelConfig)) func(map[string]string, []safetensors.Tensor) []safetensors.Tensor {
		return func(meta map[string]string, ts []safetensors.Tensor) []safetensors.Tensor {
			mc := ModelConfig{Config: c.Config(), NumClasses: c.NumClasses}
			edit(&mc)
			b, _ := json.Marshal(mc)
			meta["config"] = string(b)
			return ts
		}
	}
	setValue := func(v float32) func(map[string]string, []safetensors.Tensor) []safetensors.Tensor {
		return func(_ map[string]string, ts []safetensors.Tensor) []safetensors.Tensor {
			binary.LittleEndian.PutUint32(ts[1].Data[4:], math.Float32bits(v))
			return ts
		}
	}
	hugeHeader := slices.Clone(good)
	binary.LittleEndian.PutUint64(hugeHeader, 1<<62)
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"empty", "model file", nil},
		{"truncated", "model file", good[:len(good)-3]},
		{"huge header", "header", hugeHeader},
		{"hidden mismatch", "shape", encodeWith(t, c, setConfig(func(m *ModelConfig) { m.HiddenSize = 7 }))},
		{"classes mismatch", "classifier.weight", encodeWith(t, c, setConfig(func(m *ModelConfig) { m.NumClasses = 4 }))},
		{"fewer layers", "unexpected tensors", encodeWith(t, c, setConfig(func(m *ModelConfig) { m.NumLayers = 1 }))},
		{"more layers", "missing tensor", encodeWith(t, c, setConfig(func(m *ModelConfig) { m.NumLayers = 3 }))},
		{"proj too large", "proj_size", encodeWith(t, c, setConfig(func(m *ModelConfig) { m.ProjSize = 6 }))},
		{"not batch first", "batch_first", encodeWith(t, c, setConfig(func(m *ModelConfig) { m.BatchFirst = false }))},
		{"giant config", "too large", encodeWith(t, c, setConfig(func(m *ModelConfig) { m.HiddenSize = 1 << 30 }))},
		{"config not JSON", "config metadata", encodeWith(t, c, func(meta map[string]string, ts []safetensors.Tensor) []safetensors.Tensor {
			meta["config"] = "{"
			return ts
		})},
		{"config unknown field", "unknown field", encodeWith(t, c, func(meta map[string]string, ts []safetensors.Tensor) []safetensors.Tensor {
			meta["config"] = strings.Replace(meta["config"], "{", `{"hiden_size":3,`, 1)
			return ts
		})},
		{"missing tensor", "missing tensor", encodeWith(t, c, func(_ map[string]string, ts []safetensors.Tensor) []safetensors.Tensor { return ts[1:] })},
		{"extra tensor", "unexpected tensors \"extra\"", encodeWith(t, c, func(_ map[string]string, ts []safetensors.Tensor) []safetensors.Tensor {
			return append(ts, safetensors.Float32("extra", []int{1}, []float32{1}))
		})},
		{"wrong shape", "has shape", encodeWith(t, c, func(_ map[string]string, ts []safetensors.Tensor) []safetensors.Tensor {
			ts[0].Shape = []int{ts[0].Shape[1], ts[0].Shape[0]}
			return ts
		})},
		{"integer weights", "lstm.weight_ih_l0", encodeWith(t, c, func(_ map[string]string, ts []safetensors.Tensor) []safetensors.Tensor {
			ts[0].DType = safetensors.I32
			return ts
		})},
		{"NaN weight", "NaN", encodeWith(t, c, setValue(float32(math.NaN())))},
		{"Inf weight", "+Inf", encodeWith(t, c, setValue(float32(math.Inf(1))))},
		{"no config, not a classifier", "not a state_dict", encodeWith(t, c, func(meta map[string]string, ts []safetensors.Tensor) []safetensors.Tensor {
			delete(meta, "config")
			return ts[:3]
		})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Decode(cpu.New(), tc.data)
			if err == nil {
				t.Fatal("Decode accepted a bad model file")
			}
			t.Log(err)
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q: want one line mentioning %q", msg, tc.want)
			}
		})
	}
}

// FuzzDecode feeds Decode arbitrary bytes: it must never panic, and what it
// accepts must survive a round trip.
func FuzzDecode(f *testing.F) {
	c, err := NewClassifier(cpu.New(), Config{InputSize: 2, HiddenSize: 3, NumLayers: 2, Bias: true, BatchFirst: true, Bidirectional: true, ProjSize: 2}, 2, 1)
	if err != nil {
		f.Fatal(err)
	}
	good, err := c.Encode(map[string]string{"k": "v"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	if b, err := os.ReadFile(filepath.Join("testdata", "torchsaved", "seed_h16_bf16.safetensors")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, meta, err := Decode(cpu.New(), data)
		if err != nil {
			return
		}
		delete(meta, "format")
		delete(meta, "config")
		again, err := c.Encode(meta)
		if err != nil {
			t.Fatalf("re-encoding an accepted file: %v", err)
		}
		d, _, err := Decode(cpu.New(), again)
		if err != nil {
			t.Fatalf("decoding a re-encoded file: %v", err)
		}
		sameParams(t, c.Params(), d.Params())
	})
}

// FuzzDecodeConfig puts arbitrary text in the "config" metadata of an
// otherwise valid model file, where a random byte string would rarely
// reach: Decode must never panic or allocate what the file does not hold,
// and a config it accepts must describe the file's tensors exactly.
func FuzzDecodeConfig(f *testing.F) {
	c, err := NewClassifier(cpu.New(), Config{InputSize: 2, HiddenSize: 3, NumLayers: 2, Bias: true, BatchFirst: true, Bidirectional: true, ProjSize: 2}, 2, 1)
	if err != nil {
		f.Fatal(err)
	}
	meta, tensors, err := c.fileContents(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(meta["config"])
	f.Add(`{"input_size":2,"hidden_size":3,"num_layers":2,"bias":true,"batch_first":true,"bidirectional":true,"proj_size":2,"num_classes":2,"dropout":0.5}`)
	f.Add(`{"input_size":2,"hidden_size":65536,"num_layers":1000,"batch_first":true,"num_classes":65536}`)
	f.Add(`{"input_size":-1}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, config string) {
		meta["config"] = config
		var buf bytes.Buffer
		if err := safetensors.Write(&buf, meta, tensors); err != nil {
			return // metadata the format cannot hold, such as invalid UTF-8
		}
		d, _, err := Decode(cpu.New(), buf.Bytes())
		if err != nil {
			return
		}
		sameParams(t, c.Params(), d.Params())
	})
}

// TestReadWeights reads a model file into a classifier of the same
// configuration, in place, and checks that a file it refuses (another
// configuration, a NaN, a cut) leaves the classifier as it was.
func TestReadWeights(t *testing.T) {
	cfg := smallConfig()
	src := smallClassifier(t, cfg)
	file, err := src.Encode(map[string]string{"note": "hello"})
	if err != nil {
		t.Fatal(err)
	}
	dst, err := NewClassifier(cpu.New(), cfg, src.NumClasses, 8)
	if err != nil {
		t.Fatal(err)
	}
	before, err := dst.Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.HiddenSize++
	otherFile, err := smallClassifier(t, other).Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	nan := encodeWith(t, src, func(_ map[string]string, ts []safetensors.Tensor) []safetensors.Tensor {
		last := ts[len(ts)-1].Data
		binary.LittleEndian.PutUint32(last[len(last)-4:], math.Float32bits(float32(math.NaN())))
		return ts
	})
	for _, bad := range []struct{ name, file, want string }{
		{"another configuration", string(otherFile), "config"},
		{"a NaN in the last tensor", string(nan), "NaN"},
		{"cut short", string(file[:len(file)-9]), "model file"},
	} {
		if _, err := dst.ReadWeights([]byte(bad.file)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: error %v, want one that mentions %q", bad.name, err, bad.want)
		}
		if now, _ := dst.Encode(nil); !bytes.Equal(now, before) {
			t.Fatalf("%s: the refused file changed the classifier", bad.name)
		}
	}
	meta, err := dst.ReadWeights(file)
	if err != nil {
		t.Fatal(err)
	}
	if meta["note"] != "hello" {
		t.Errorf("metadata %v lost the caller's entry", meta)
	}
	sameParams(t, src.Params(), dst.Params())
}
