//go:build !js

package lstm

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/safetensors"
)

// pythonTorch is Debian's interpreter, the one with python3-torch.
const pythonTorch = "/usr/bin/python3"

// requireTorch skips the test when PyTorch is not installed, unless
// LSTM_REQUIRE_TORCH=1 (as `make test` sets), where its absence fails.
func requireTorch(t *testing.T) {
	t.Helper()
	err := exec.Command(pythonTorch, "-c", "import torch").Run()
	if err == nil {
		return
	}
	if os.Getenv("LSTM_REQUIRE_TORCH") == "1" {
		t.Fatalf("PyTorch is required (LSTM_REQUIRE_TORCH=1) but %s cannot import torch: %v; apt-get install python3-torch", pythonTorch, err)
	}
	t.Skipf("%s cannot import torch (%v); set LSTM_REQUIRE_TORCH=1 to make this a failure", pythonTorch, err)
}

// TestPyTorchLoadsOurModelFile saves models here, has PyTorch load each
// into the seed's class with load_state_dict(strict=True) and compute the
// logits of a batch, and compares them with ours.
func TestPyTorchLoadsOurModelFile(t *testing.T) {
	requireTorch(t)
	for name, cfg := range map[string]Config{"seed": seedConfig(), "bidir_proj_1layer_nobias": {InputSize: 28, HiddenSize: 9, NumLayers: 1, BatchFirst: true, Bidirectional: true, ProjSize: 4}} {
		t.Run(name, func(t *testing.T) {
			c, err := NewClassifier(cpu.New(), cfg, seedClasses, 3)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			model, input, output := filepath.Join(dir, "m.safetensors"), filepath.Join(dir, "x.safetensors"), filepath.Join(dir, "y.safetensors")
			if err := c.Save(model, nil); err != nil {
				t.Fatal(err)
			}
			x, _ := seedBatch(5)
			if err := safetensors.WriteFile(input, nil, []safetensors.Tensor{safetensors.Float32("input", x.Shape, x.Data)}); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(pythonTorch, filepath.Join("..", "tools", "torch_model.py"), "logits", "--model", model, "--input", input, "--out", output)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("PyTorch refused our model file: %v\n%s", err, strings.TrimSpace(string(out)))
			}
			fx := loadFixture(t, cpu.New(), output)
			logits, err := c.Logits(x)
			if err != nil {
				t.Fatal(err)
			}
			fx.check("logits", logits.Data)
		})
	}
}
