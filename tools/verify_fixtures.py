"""Check fixture files against PyTorch, using nothing but the files themselves.

For every *.safetensors in a folder (default lstm/testdata/torch/), rebuild the
nn.LSTM or Classifier from the `config` metadata and the stored parameters,
rerun the case, and compare every stored result tensor:

* in float64: must reproduce the stored float32 values bit for bit (the
  fixture is self-consistent);
* in float32: must pass the fixture format's tolerance (lstm/testdata/torch/README.md),
  max|got - ref| <= 1e-4 * max(1, max|ref|), which shows that a float32
  implementation can meet it.  The worst ratio err/tolerance is printed.

A unidirectional classifier's gates and attributions (`trace.*`,
`attribution.*`) are recomputed too, by the generator's own functions.

For a fixture with `train_losses`, it also reruns the 10 Adam steps in float32
and prints the largest relative difference from the stored float64 losses.

    /usr/bin/python3 tools/verify_fixtures.py [--dir lstm/testdata/torch] [-v]
"""

import argparse
import glob
import json
import os
import re
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gen_fixtures import DEFAULT_OUT, adam_losses, inside_tensors
from safetensors_io import read
from seed_model import Classifier

RESULT_PREFIXES = ("output", "h_n", "c_n", "logits", "loss", "grad.", "trace.", "attribution.")
LSTM_PARAM = re.compile(r"^(weight|bias)_(ih|hh|hr)_l[0-9]+(_reverse)?$")


def build_lstm(cfg):
    return nn.LSTM(cfg["input_size"], cfg["hidden_size"], cfg["num_layers"], bias=cfg["bias"],
                   batch_first=cfg["batch_first"], bidirectional=cfg["bidirectional"], proj_size=cfg["proj_size"])


def build_classifier(cfg):
    return Classifier(cfg["input_size"], cfg["hidden_size"], cfg["num_layers"], cfg["num_classes"],
                      bias=cfg["bias"], bidirectional=cfg["bidirectional"], proj_size=cfg["proj_size"])


def parameters(t, kind):
    """The stored parameters of a fixture as a state_dict of tensors."""
    if kind == "lstm":
        keep = [k for k in t if LSTM_PARAM.match(k)]
    else:
        keep = [k for k in t if k.startswith(("lstm.", "classifier."))]
    return {k: torch.from_numpy(t[k]) for k in keep}


def run_lstm_file(t, meta, dtype):
    """Recompute an lstm fixture's results in `dtype`; return {name: tensor}."""
    cfg = json.loads(meta["config"])
    module = build_lstm(cfg)
    module.load_state_dict(parameters(t, "lstm"), strict=True)
    module = module.to(dtype)
    x = torch.from_numpy(t["input"]).to(dtype).requires_grad_()
    hx = None
    if "h0" in t:
        hx = tuple(torch.from_numpy(t[k]).to(dtype).requires_grad_() for k in ("h0", "c0"))
    lengths = json.loads(meta["lengths"]) if "lengths" in meta else None
    if lengths is None:
        out, (h_n, c_n) = module(x, hx)
    else:
        packed = nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), batch_first=cfg["batch_first"],
                                                   enforce_sorted=False)
        out, (h_n, c_n) = module(packed, hx)
        steps = x.shape[1 if cfg["batch_first"] else 0]
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=cfg["batch_first"], total_length=steps)
    upstream = {k: torch.from_numpy(t[k]).to(dtype) for k in ("grad_output", "grad_h_n", "grad_c_n")}
    loss = ((out * upstream["grad_output"]).sum() + (h_n * upstream["grad_h_n"]).sum()
            + (c_n * upstream["grad_c_n"]).sum())
    loss.backward()
    got = {"output": out, "h_n": h_n, "c_n": c_n, "grad.input": x.grad}
    if hx is not None:
        got.update({"grad.h0": hx[0].grad, "grad.c0": hx[1].grad})
    got.update({"grad." + n: p.grad for n, p in module.named_parameters()})
    return got


def run_classifier_file(t, meta, dtype):
    """Recompute a classifier fixture's results in `dtype`; return {name: tensor}."""
    model = build_classifier(json.loads(meta["config"]))
    state = parameters(t, "classifier")
    model.load_state_dict(state, strict=True)
    model = model.to(dtype)
    x = torch.from_numpy(t["input"]).to(dtype).requires_grad_()
    labels = torch.from_numpy(t["labels"])
    logits = model(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    got = {"logits": logits, "loss": loss.reshape(1), "grad.input": x.grad}
    got.update({"grad." + n: p.grad for n, p in model.named_parameters()})
    if not model.lstm.bidirectional:
        got.update(inside_tensors(model, x.detach()))
    return got, model, state, x.detach(), labels


def compare(name, ref, got):
    """(max abs difference, ratio of it to the fixture format's tolerance)."""
    err = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64)), initial=0.0))
    tol = 1e-4 * max(1.0, float(np.max(np.abs(ref), initial=0.0)))
    return err, err / tol


def check_results(path, t, got64, got32, verbose):
    """Compare recomputed results with the stored ones; return the number of failures."""
    failures = 0
    expected = sorted(k for k in t if k.startswith(RESULT_PREFIXES))
    if sorted(got64) != expected:
        print(f"FAIL {path}: stored results {expected} != computed {sorted(got64)}")
        return 1
    worst = (0.0, "")
    for name in expected:
        exact = got64[name].detach().float().numpy()
        if not np.array_equal(exact, t[name]):
            print(f"FAIL {path}: {name} differs from the float64 recomputation")
            failures += 1
        err, ratio = compare(name, t[name], got32[name].detach().numpy())
        if verbose:
            print(f"    {name:32s} f32 max|diff| {err:.3e}  ({ratio:.3f} of tolerance)")
        if ratio > 1:
            print(f"FAIL {path}: {name} float32 max|diff| {err:.3e} is out of tolerance")
            failures += 1
        worst = max(worst, (ratio, name))
    print(f"ok   {os.path.basename(path):48s} worst float32 err = {worst[0]:.3f} x tolerance ({worst[1]})")
    return failures


def check_padding(path, t, meta):
    """Padded steps: output and grad.input zero."""
    if "lengths" not in meta or "output" not in t:
        return 0
    bf = json.loads(meta["config"])["batch_first"]
    failures = 0
    for b, n in enumerate(json.loads(meta["lengths"])):
        for name in ("output", "grad.input"):
            pad = t[name][b, n:] if bf else t[name][n:, b]
            if np.any(pad != 0):
                print(f"FAIL {path}: {name} not zero at padded steps of sequence {b}")
                failures += 1
    return failures


def check_training(t, model_state, x, labels, meta):
    """Rerun the Adam steps in float32; print the largest relative loss difference."""
    steps = json.loads(meta["train"])["steps"]
    model = build_classifier(json.loads(meta["config"]))
    model.load_state_dict(model_state, strict=True)
    losses32 = np.array(adam_losses(model, x.float(), labels, steps))
    ref = t["train_losses"].astype(np.float64)
    rel = np.abs(losses32 - ref) / np.abs(ref)
    print(f"     Adam x{steps}: float64 losses {np.array2string(ref, precision=6)}")
    print(f"     float32 trajectory max relative difference {rel.max():.3e} (per step {np.array2string(rel, precision=2)})")
    return 0 if rel.max() <= 1e-4 else 1


def check_file(path, verbose):
    t, _, meta = read(path)
    if meta["kind"] == "lstm":
        got64 = run_lstm_file(t, meta, torch.float64)
        got32 = run_lstm_file(t, meta, torch.float32)
        failures = check_results(path, t, got64, got32, verbose)
        return failures + check_padding(path, t, meta)
    got64, *_ = run_classifier_file(t, meta, torch.float64)
    got32, _, state, x, labels = run_classifier_file(t, meta, torch.float32)
    failures = check_results(path, t, got64, got32, verbose)
    if "train_losses" in t:
        failures += check_training(t, state, x, labels, meta)
    return failures


def main(argv=None):
    parser = argparse.ArgumentParser(description="Recompute fixtures with PyTorch and compare.")
    parser.add_argument("--dir", default=DEFAULT_OUT, help="fixture folder (default: %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per tensor")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    paths = sorted(glob.glob(os.path.join(args.dir, "*.safetensors")))
    if not paths:
        print(f"no fixtures in {args.dir}")
        return 1
    failures = sum(check_file(p, args.verbose) for p in paths)
    print(f"{len(paths)} fixtures, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
