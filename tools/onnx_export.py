"""Export one of our model files to ONNX with PyTorch, for the ONNX Runtime anchors.

    /usr/bin/python3 tools/onnx_export.py --out DIR [--model assets/model.safetensors]

Loads the model file into PyTorch's Classifier (tools/torch_model.py: strict
load, float32, eval mode) and writes into DIR:

  model.onnx   torch.onnx.export, opset 17, input "input" [batch, 28, 28]
               float32, output "logits" [batch, 10], the batch axis dynamic
               (nn.LSTM becomes ONNX's LSTM operator).
  check.json   {"input": [...], "input_shape": [N, T, F], "logits": [...],
               "logits_shape": [N, C]}: N random digits (pixels uniform in
               [0, 1), seed --seed) and PyTorch's float32 logits of them, for
               the ONNX Runtime side to compare its own logits with
               (tools/onnxbench/measure.js, in Node and in tools/tfjsbench). The
               numbers are float32 values written exactly.

torch.onnx in PyTorch 1.13 builds the ONNX file itself: the `onnx` Python
package is not needed. Nothing is generated into the repository unless DIR
is in it (make bench uses .dev/onnxbench, which git ignores). Errors end the
program with status 1 and one line on stderr.
"""

import argparse
import json
import os
import sys
import warnings

import torch

from torch_model import ToolError, load_model

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPSET = 17


def export(model_path, out_dir, digits, seed):
    """Write out_dir/model.onnx and out_dir/check.json."""
    model = load_model(model_path)
    steps, features = 28, model.lstm.input_size
    x = torch.rand(digits, steps, features, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        logits = model(x)
    os.makedirs(out_dir, exist_ok=True)
    with warnings.catch_warnings():
        # PyTorch 1.13 warns that it cannot infer the shape of its own constants
        # (the LSTM's zero initial state), and that an LSTM with a dynamic
        # batch may fail at other batch sizes than the traced one. The graph
        # is traced at batch 1, as that warning advises, and checked by
        # running it at several batch sizes (bench.js), so both are silenced.
        warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")
        warnings.filterwarnings("ignore", message="Exporting a model to ONNX with a batch_size other than 1")
        torch.onnx.export(model, x[:1], os.path.join(out_dir, "model.onnx"), opset_version=OPSET,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    check = {
        "input": [float(v) for v in x.flatten()], "input_shape": list(x.shape),
        "logits": [float(v) for v in logits.flatten()], "logits_shape": list(logits.shape),
    }
    with open(os.path.join(out_dir, "check.json"), "w") as f:
        json.dump(check, f)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Export a model file to ONNX (opset 17, dynamic batch) with PyTorch.")
    parser.add_argument("--model", default=os.path.join(REPO, "assets", "model.safetensors"),
                        help="our model file (default: the shipped assets/model.safetensors)")
    parser.add_argument("--out", required=True, help="folder for model.onnx and check.json")
    parser.add_argument("--digits", type=int, default=8, help="random digits in check.json (default 8)")
    parser.add_argument("--seed", type=int, default=1, help="seed of those digits (default 1)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    try:
        if args.digits < 1:
            raise ToolError("--digits must be positive")
        export(args.model, args.out, args.digits, args.seed)
    except (ToolError, OSError, ValueError, RuntimeError) as err:
        print(f"onnx_export: {err}", file=sys.stderr)
        return 1
    print(f"onnx_export: wrote {os.path.join(args.out, 'model.onnx')} (opset {OPSET}, dynamic batch) "
          f"and check.json ({args.digits} digits with PyTorch {torch.__version__}'s logits)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
