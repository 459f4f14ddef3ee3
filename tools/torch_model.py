"""Move classifier model files between the Go project and PyTorch.

Subcommands:

  logits    Load one of our model files into PyTorch's Classifier and print
            nothing but write its logits:
              torch_model.py logits --model M.safetensors --input X.safetensors --out Y.safetensors
            M holds the state_dict tensors (F32, F16, BF16 or F64; all are
            converted to float32) and the `config` JSON in its __metadata__;
            the load is strict.  X holds `input` [B,T,F]; Y gets `logits`
            [B,C] (F32), computed in float32 in eval mode.

  save      Save a freshly initialised Classifier the way a PyTorch user
            would (state_dict tensors in one dtype, metadata only
            {"format": "pt"}, no config), plus a check file:
              torch_model.py save --config '{"input_size":28,...}' --seed 1 --dtype BF16 \\
                  --out M.safetensors --check C.safetensors
            --config is JSON text or a path to a JSON file.  C holds `input`
            [B,T,F] (random, B=3, T=--steps) and `logits` [B,C] (F32) computed
            in float64 from the dtype-rounded weights; its metadata records
            the config, dtype and seed.

  examples  Write the committed examples of `save` into lstm/testdata/torchsaved/:
              torch_model.py examples

Any error ends the program with status 1 and a one-line message on stderr.
Run with /usr/bin/python3 (the interpreter that has torch).
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

from safetensors_io import read, write
from seed_model import config_of, from_config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES_DIR = os.path.join(REPO, "lstm", "testdata", "torchsaved")
DTYPES = ("F32", "F16", "BF16", "F64")

SEED_H16 = {"input_size": 28, "hidden_size": 16, "num_layers": 2, "num_classes": 10}
EXAMPLES = [  # (file stem, config, seed, dtype)
    ("seed_h16_f32", SEED_H16, 1, "F32"),
    ("seed_h16_f16", SEED_H16, 2, "F16"),
    ("seed_h16_bf16", SEED_H16, 3, "BF16"),
    ("seed_h16_f64", SEED_H16, 4, "F64"),
    ("seed_h16_bidir_proj8_f32", dict(SEED_H16, bidirectional=True, proj_size=8), 5, "F32"),
]


class ToolError(Exception):
    """An error reported as one line."""


def load_model(path):
    """Build the Classifier of a model file and load its tensors strictly (float32)."""
    tensors, _, metadata = read(path)
    if "config" not in metadata:
        raise ToolError(f"{path}: no 'config' in the metadata")
    try:
        cfg = json.loads(metadata["config"])
    except json.JSONDecodeError as err:
        raise ToolError(f"{path}: config is not JSON: {err}") from None
    model = from_config(cfg)
    state = {name: torch.from_numpy(np.asarray(t, dtype=np.float32)) for name, t in tensors.items()}
    model.load_state_dict(state, strict=True)
    return model.eval()


def read_input(path, input_size):
    """Tensor `input` [B,T,F] of a file, as float32."""
    tensors, _, _ = read(path)
    if "input" not in tensors:
        raise ToolError(f"{path}: no tensor 'input'")
    x = tensors["input"]
    if x.ndim != 3 or x.shape[2] != input_size:
        raise ToolError(f"{path}: input shape {list(x.shape)}, want [B, T, {input_size}]")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ToolError(f"{path}: input shape {list(x.shape)} is empty")
    return torch.from_numpy(np.asarray(x, dtype=np.float32))


def cmd_logits(args):
    model = load_model(args.model)
    x = read_input(args.input, model.lstm.input_size)
    with torch.no_grad():
        logits = model(x)
    write(args.out, {"logits": ("F32", logits.numpy())})


def parse_config(text):
    """--config: JSON text, or the path of a file holding it."""
    if not text.lstrip().startswith("{"):
        with open(text) as f:
            text = f.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ToolError(f"config is not JSON: {err}") from None


def rounded(state, dtype):
    """{name: (dtype, float32 array)} ready to save; F64 keeps the float32 values exactly."""
    return {name: (dtype, t.detach().numpy()) for name, t in state.items()}


def save_example(cfg, seed, dtype, out, check, steps=28, batch=3):
    """Write a PyTorch-style model file and its check file; return both sizes."""
    if dtype not in DTYPES:
        raise ToolError(f"dtype {dtype!r} is not one of {', '.join(DTYPES)}")
    torch.manual_seed(seed)
    model = from_config(cfg)
    size_model = write(out, rounded(model.state_dict(), dtype), {"format": "pt"})
    # Reference: reload what was written (so the dtype rounding is exactly the file's) in float64.
    tensors, _, _ = read(out)
    reference = from_config(cfg).double().eval()
    reference.load_state_dict({k: torch.from_numpy(v.astype(np.float64)) for k, v in tensors.items()}, strict=True)
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, steps, cfg["input_size"], generator=gen)
    with torch.no_grad():
        logits = reference(x.double()).float()
    meta = {"config": json.dumps(config_of(model), separators=(",", ":")), "dtype": dtype, "seed": str(seed)}
    size_check = write(check, {"input": ("F32", x.numpy()), "logits": ("F32", logits.numpy())}, meta)
    return size_model, size_check


def cmd_save(args):
    save_example(parse_config(args.config), args.seed, args.dtype, args.out, args.check, steps=args.steps)


def cmd_examples(args):
    os.makedirs(args.out_dir, exist_ok=True)
    for stem, cfg, seed, dtype in EXAMPLES:
        model = os.path.join(args.out_dir, stem + ".safetensors")
        check = os.path.join(args.out_dir, stem + ".check.safetensors")
        sizes = save_example(cfg, seed, dtype, model, check)
        print(f"{sizes[0]:9d}  {os.path.basename(model)}")
        print(f"{sizes[1]:9d}  {os.path.basename(check)}")


def build_parser():
    parser = argparse.ArgumentParser(description="Load our classifier model files into PyTorch, and the reverse.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("logits", help="logits of a model file on an input file")
    p.add_argument("--model", required=True, help="model file with a 'config' in its metadata")
    p.add_argument("--input", required=True, help="file with tensor 'input' [B,T,F]")
    p.add_argument("--out", required=True, help="output file: tensor 'logits' [B,C] F32")
    p.set_defaults(run=cmd_logits)
    p = sub.add_parser("save", help="save a fresh Classifier as PyTorch would, plus a check file")
    p.add_argument("--config", required=True, help="config JSON text or file")
    p.add_argument("--seed", type=int, required=True, help="torch.manual_seed for init and input")
    p.add_argument("--dtype", choices=DTYPES, default="F32", help="dtype of the saved tensors")
    p.add_argument("--out", required=True, help="model file to write (metadata only format=pt)")
    p.add_argument("--check", required=True, help="check file to write: input and float64 logits")
    p.add_argument("--steps", type=int, default=28, help="T of the check input (default 28)")
    p.set_defaults(run=cmd_save)
    p = sub.add_parser("examples", help="write the committed examples of `save`")
    p.add_argument("--out-dir", default=EXAMPLES_DIR, help="default: %(default)s")
    p.set_defaults(run=cmd_examples)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    torch.set_num_threads(1)
    try:
        args.run(args)
    except Exception as err:  # one line, whatever went wrong
        message = " ".join(str(err).split()) or type(err).__name__
        print(f"torch_model {args.command}: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
