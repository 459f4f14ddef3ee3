package lstm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/safetensors"
)

// A model file is a safetensors file holding the Classifier's parameters
// under PyTorch's state_dict names, as float32, with two metadata entries:
// "format": "pt" (what PyTorch's safetensors writer sets) and "config", the
// JSON of ModelConfig. Other metadata (a training record, say) is kept as
// the caller gives it. Such a file loads into the seed's PyTorch class with
// load_state_dict(strict=True); a state_dict saved from PyTorch (F32, F16,
// BF16 or F64, with or without "config") loads here.

// ModelConfig is the "config" entry of a model file's metadata: the LSTM's
// arguments and the classifier's number of classes.
type ModelConfig struct {
	Config
	NumClasses int `json:"num_classes"`
}

// Metadata keys that a model file always has.
const (
	metaFormat = "format"
	metaConfig = "config"
)

// Encode writes the classifier as a model file to the returned bytes, with
// the given extra metadata (which must not use the keys "format" and
// "config").
func (c *Classifier) Encode(meta map[string]string) ([]byte, error) {
	m, tensors, err := c.fileContents(meta)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, m, tensors); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Save writes the classifier as a model file at path, atomically: a failed
// save leaves any previous file in place.
func (c *Classifier) Save(path string, meta map[string]string) error {
	m, tensors, err := c.fileContents(meta)
	if err != nil {
		return err
	}
	return safetensors.WriteFile(path, m, tensors)
}

func (c *Classifier) fileContents(meta map[string]string) (map[string]string, []safetensors.Tensor, error) {
	if _, ok := meta[metaFormat]; ok {
		return nil, nil, fmt.Errorf("lstm: metadata key %q is reserved", metaFormat)
	}
	if _, ok := meta[metaConfig]; ok {
		return nil, nil, fmt.Errorf("lstm: metadata key %q is reserved", metaConfig)
	}
	cfg, err := json.Marshal(ModelConfig{Config: c.Config(), NumClasses: c.NumClasses})
	if err != nil {
		return nil, nil, err
	}
	m := maps.Clone(meta)
	if m == nil {
		m = make(map[string]string)
	}
	m[metaFormat], m[metaConfig] = "pt", string(cfg)
	var tensors []safetensors.Tensor
	for _, p := range c.params.List() {
		v, err := c.params.Get(p.Name)
		if err != nil {
			return nil, nil, err
		}
		tensors = append(tensors, safetensors.Float32(p.Name, p.Shape, v))
	}
	return m, tensors, nil
}

// Decode reads a model file from data and returns the classifier on be and
// the file's metadata. It checks everything before trusting any size: the
// safetensors structure, the configuration, that the tensors are exactly
// the configuration's parameters with its shapes, and that every value is
// finite.
func Decode(be backend.Backend, data []byte) (*Classifier, map[string]string, error) {
	f, err := safetensors.Parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("model file: %w", err)
	}
	return decodeFile(be, f)
}

// decodeFile is Decode of a parsed file.
func decodeFile(be backend.Backend, f *safetensors.File) (*Classifier, map[string]string, error) {
	mc, err := fileConfig(f)
	if err != nil {
		return nil, nil, fmt.Errorf("model file: %w", err)
	}
	c, l, err := newClassifier(be, mc.Config, mc.NumClasses)
	if err != nil {
		return nil, nil, fmt.Errorf("model file: config: %w", err)
	}
	values, err := readValues(f, l.list, l.n)
	if err != nil {
		return nil, nil, fmt.Errorf("model file: %w", err)
	}
	c.bind(l.alloc(be))
	be.Upload(c.params.Value, values)
	return c, f.Metadata, nil
}

// ReadWeights reads a model file of c's own configuration into c's
// parameters, in place, and returns the file's metadata: a model that
// takes in new weights (each epoch's, in the web app) allocates no new
// buffers. It checks everything Decode checks and that the configuration
// is c's; on an error c is left as it was.
func (c *Classifier) ReadWeights(data []byte) (map[string]string, error) {
	f, err := safetensors.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	mc, err := fileConfig(f)
	if err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	if want := (ModelConfig{Config: c.Config(), NumClasses: c.NumClasses}); mc != want {
		return nil, fmt.Errorf("model file: config %+v, the model has %+v", mc, want)
	}
	values, err := readValues(f, c.params.List(), c.params.Count())
	if err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	c.params.be.Upload(c.params.Value, values)
	return f.Metadata, nil
}

// readValues checks that the file's tensors are exactly the parameters
// want, and returns their values as float32, n of them back to back in
// want's layout, every one finite.
func readValues(f *safetensors.File, want []Param, n int) ([]float32, error) {
	if err := checkTensors(f, want); err != nil {
		return nil, err
	}
	values := make([]float32, n)
	for _, p := range want {
		t, _ := f.Tensor(p.Name)
		v := values[p.off : p.off+p.Len()]
		if err := t.ReadFloat32s(v); err != nil {
			return nil, err
		}
		if j := nonFinite(v); j >= 0 {
			return nil, fmt.Errorf("lstm: parameter %q: value %d is %v", p.Name, j, v[j])
		}
	}
	return values, nil
}

// checkTensors reports the first difference between the file's tensors
// and the parameters the configuration calls for.
func checkTensors(f *safetensors.File, want []Param) error {
	names := make(map[string]bool, len(want))
	for _, p := range want {
		names[p.Name] = true
		t, ok := f.Tensor(p.Name)
		if !ok {
			return fmt.Errorf("missing tensor %q", p.Name)
		}
		if !slices.Equal(t.Shape, p.Shape) {
			return fmt.Errorf("tensor %q has shape %v, the config needs %v", p.Name, t.Shape, p.Shape)
		}
	}
	var extra []string
	for _, t := range f.Tensors {
		if !names[t.Name] {
			extra = append(extra, strconv.Quote(t.Name))
		}
	}
	if len(extra) > 0 {
		if len(extra) > 3 {
			extra = append(extra[:3], fmt.Sprintf("and %d more", len(extra)-3))
		}
		return fmt.Errorf("unexpected tensors %s", strings.Join(extra, ", "))
	}
	return nil
}

// fileConfig returns the file's configuration: its "config" metadata, or,
// for a bare PyTorch state_dict, what the tensor names and shapes imply.
func fileConfig(f *safetensors.File) (ModelConfig, error) {
	if s, ok := f.Metadata[metaConfig]; ok {
		var mc ModelConfig
		d := json.NewDecoder(strings.NewReader(s))
		d.DisallowUnknownFields()
		if err := d.Decode(&mc); err != nil {
			return ModelConfig{}, fmt.Errorf("config metadata: %w", err)
		}
		return mc, nil
	}
	return inferConfig(f)
}

var layerName = regexp.MustCompile(`^lstm\.weight_ih_l([0-9]+)$`)

// inferConfig derives the configuration of a state_dict saved by the seed's
// PyTorch class, which records none: sizes from the shapes of layer 0 and
// the head, options from which tensors exist. checkTensors then checks every
// tensor against it.
func inferConfig(f *safetensors.File) (ModelConfig, error) {
	layers := 0
	for _, t := range f.Tensors {
		if m := layerName.FindStringSubmatch(t.Name); m != nil {
			if k, err := strconv.Atoi(m[1]); err == nil && k < 1024 {
				layers = max(layers, k+1)
			}
		}
	}
	wih, ok := f.Tensor("lstm.weight_ih_l0")
	head, okHead := f.Tensor("classifier.weight")
	if !ok || !okHead || len(wih.Shape) != 2 || len(head.Shape) != 2 || wih.Shape[0]%4 != 0 {
		return ModelConfig{}, errors.New("no config metadata, and the tensors are not a state_dict of the seed classifier (lstm.weight_ih_l0 [4·hidden, input], classifier.weight [classes, hidden])")
	}
	_, bias := f.Tensor("lstm.bias_ih_l0")
	_, bidir := f.Tensor("lstm.weight_ih_l0_reverse")
	mc := ModelConfig{
		Config: Config{
			InputSize: wih.Shape[1], HiddenSize: wih.Shape[0] / 4, NumLayers: layers,
			Bias: bias, BatchFirst: true, Bidirectional: bidir,
		},
		NumClasses: head.Shape[0],
	}
	if whr, ok := f.Tensor("lstm.weight_hr_l0"); ok && len(whr.Shape) == 2 {
		mc.ProjSize = whr.Shape[0]
	}
	return mc, nil
}

// Load reads the model file at path; see Decode.
func Load(be backend.Backend, path string) (*Classifier, map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	c, meta, err := Decode(be, data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, meta, nil
}

// RecordKey is the metadata key of a model file's training Record.
const RecordKey = "training"

// Record says how a model was trained and how well it did: the JSON of a
// model file's "training" metadata, written by digits train and by the
// web app's training run.
type Record struct {
	Epochs       int     `json:"epochs"`
	Batch        int     `json:"batch"`
	LR           float32 `json:"lr"`
	Schedule     string  `json:"schedule,omitempty"`
	Clip         float32 `json:"clip"`
	Seed         uint64  `json:"seed"`
	TrainImages  int     `json:"train_images"`
	TestAccuracy float64 `json:"test_accuracy"`
	TestImages   int     `json:"test_images"`
	Seconds      float64 `json:"seconds"`
	Device       string  `json:"device"`
	Date         string  `json:"date"`
	Version      string  `json:"code_version,omitempty"`
	// FineTuned says the run started from a trained model, not from scratch.
	FineTuned bool `json:"fine_tuned,omitempty"`
}

// Metadata returns the metadata of a model file carrying r.
func (r Record) Metadata() map[string]string {
	b, _ := json.Marshal(r) // a Record always encodes
	return map[string]string{RecordKey: string(b)}
}

// ReadRecord returns the training record in a model file's metadata, and
// whether there is a readable one.
func ReadRecord(meta map[string]string) (Record, bool) {
	var r Record
	s, ok := meta[RecordKey]
	if !ok || json.Unmarshal([]byte(s), &r) != nil {
		return Record{}, false
	}
	return r, true
}
