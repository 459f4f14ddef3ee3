package lstm

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/safetensors"
)

// A checkpoint is a model file (see Decode) with the optimizer's state
// added: tensors "optimizer.exp_avg" and "optimizer.exp_avg_sq" (Adam's
// moments over all parameters, flat, in state_dict order) and a
// "checkpoint" metadata entry holding the training configuration, the
// position and Adam's step count as JSON. Its model tensors still load in
// PyTorch with load_state_dict after dropping the two optimizer tensors.

const (
	metaCheckpoint = "checkpoint"
	tensorExpAvg   = "optimizer.exp_avg"
	tensorExpAvgSq = "optimizer.exp_avg_sq"
)

// checkpointState is the "checkpoint" metadata entry.
type checkpointState struct {
	Train    TrainConfig `json:"train"`
	At       Position    `json:"at"` // Trainer.Next
	AdamStep int         `json:"adam_step"`
}

// SaveCheckpoint writes the trainer's whole state to path, atomically,
// with the given extra metadata.
func (t *Trainer) SaveCheckpoint(path string, meta map[string]string) error {
	m, tensors, err := t.checkpointContents(meta)
	if err != nil {
		return err
	}
	return safetensors.WriteFile(path, m, tensors)
}

// WriteCheckpoint writes the trainer's whole state to w as a checkpoint
// file, with the given extra metadata: for a browser's IndexedDB, where
// there are no files, into a buffer that may be kept from one checkpoint
// to the next.
func (t *Trainer) WriteCheckpoint(w io.Writer, meta map[string]string) error {
	m, tensors, err := t.checkpointContents(meta)
	if err != nil {
		return err
	}
	return safetensors.Write(w, m, tensors)
}

// checkpointContents is a checkpoint's metadata and tensors.
func (t *Trainer) checkpointContents(meta map[string]string) (map[string]string, []safetensors.Tensor, error) {
	if _, ok := meta[metaCheckpoint]; ok {
		return nil, nil, fmt.Errorf("lstm: metadata key %q is reserved", metaCheckpoint)
	}
	m, tensors, err := t.Model.fileContents(meta)
	if err != nil {
		return nil, nil, err
	}
	st, err := json.Marshal(checkpointState{Train: t.Config, At: t.Next, AdamStep: t.Opt.Steps()})
	if err != nil {
		return nil, nil, err
	}
	m[metaCheckpoint] = string(st)
	expAvg, expAvgSq := t.Opt.state()
	n := []int{len(expAvg)}
	tensors = append(tensors, safetensors.Float32(tensorExpAvg, n, expAvg), safetensors.Float32(tensorExpAvgSq, n, expAvgSq))
	return m, tensors, nil
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint and returns
// a trainer on be positioned to resume, and the file's metadata.
func LoadCheckpoint(be backend.Backend, path string) (*Trainer, map[string]string, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	t, meta, err := checkpointTrainer(be, f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: checkpoint: %w", path, err)
	}
	return t, meta, nil
}

// DecodeCheckpoint reads the bytes of a checkpoint (from SaveCheckpoint or
// WriteCheckpoint) and returns a trainer on be positioned to resume, and
// the checkpoint's metadata.
func DecodeCheckpoint(be backend.Backend, data []byte) (*Trainer, map[string]string, error) {
	f, err := safetensors.Parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %w", err)
	}
	t, meta, err := checkpointTrainer(be, f)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %w", err)
	}
	return t, meta, nil
}

// checkpointTrainer is the trainer that the checkpoint f describes.
func checkpointTrainer(be backend.Backend, f *safetensors.File) (*Trainer, map[string]string, error) {
	var st checkpointState
	if err := json.Unmarshal([]byte(f.Metadata[metaCheckpoint]), &st); err != nil {
		return nil, nil, fmt.Errorf("metadata %q: %v", metaCheckpoint, err)
	}
	moments := make([][]float32, 2)
	model := &safetensors.File{Metadata: f.Metadata}
	for _, t := range f.Tensors {
		switch t.Name {
		case tensorExpAvg, tensorExpAvgSq:
			v, err := t.Float32s()
			if err != nil {
				return nil, nil, err
			}
			moments[map[string]int{tensorExpAvg: 0, tensorExpAvgSq: 1}[t.Name]] = v
		default:
			model.Tensors = append(model.Tensors, t)
		}
	}
	c, meta, err := decodeFile(be, model)
	if err != nil {
		return nil, nil, err
	}
	for i, v := range moments {
		if len(v) != c.Params().Count() {
			return nil, nil, fmt.Errorf("optimizer state has %d values, the model %d parameters", len(v), c.Params().Count())
		}
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) || i == 1 && x < 0 {
				return nil, nil, fmt.Errorf("optimizer state holds %v", x)
			}
		}
	}
	t, err := NewTrainer(c, st.Train)
	if err != nil {
		return nil, nil, err
	}
	if st.At.Epoch < 0 || st.At.Batch < 0 || st.At.Step < 0 || st.AdamStep < 0 {
		return nil, nil, fmt.Errorf("negative position %+v", st.At)
	}
	t.Next = st.At
	t.Opt.setState(st.AdamStep, moments[0], moments[1])
	delete(meta, metaCheckpoint)
	return t, meta, nil
}
