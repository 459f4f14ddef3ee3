"""Write the PyTorch reference fixtures for the Go LSTM (lstm/testdata/torch/).

Each fixture is a safetensors file in the format of lstm/testdata/torch/README.md: the
parameters, inputs and upstream gradients of one case, and what PyTorch's
nn.LSTM (kind "lstm") or the seed Classifier (kind "classifier") computes from
them: outputs, final states, loss and every gradient.

How the values are made:
* parameters use PyTorch's default init in float32 after torch.manual_seed
  (the seed is the CRC-32 of the fixture name); inputs, h0/c0, upstream
  gradients and labels come from a torch.Generator seeded the same way;
* everything is then widened to float64 and the reference is computed in
  float64, so the stored float32 inputs are exact and the stored float32
  results are the float64 results rounded once;
* variable lengths go through pack_padded_sequence(enforce_sorted=False) and
  pad_packed_sequence(total_length=T); padded steps of the input are random
  (they must not matter), padded steps of grad_output are zero;
* the lstm loss is sum(output*grad_output) + sum(h_n*grad_h_n)
  + sum(c_n*grad_c_n); the classifier loss is mean cross-entropy;
* a unidirectional classifier case also stores what the page shows inside
  the model: each layer's gates i, f, g, o at every step of its first
  sequence, computed by the
  LSTM equations written out here from the same weights (and checked against
  nn.LSTM's output), and for each sequence's predicted class the gradient x
  input of its logit summed over each step (autograd) and the occlusion of
  each step (the class's probability less that with the step zeroed).

The seed-shaped fixture classifier_seed.safetensors also stores the losses of
10 Adam steps (lr 1e-3, default betas/eps) on its batch, computed in float64:
tensor `train_losses` and metadata `train`.

Runs single-threaded and writes byte-identical files every time.  Stale
*.safetensors files in the output folder are removed.  Run from anywhere:

    /usr/bin/python3 tools/gen_fixtures.py            # writes lstm/testdata/torch/
    /usr/bin/python3 tools/gen_fixtures.py --list     # names and what they cover
"""

import argparse
import dataclasses
import json
import os
import sys
import zlib

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from safetensors_io import write
from seed_model import Classifier

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "lstm", "testdata", "torch")

ADAM = {"optimizer": "adam", "lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-8, "steps": 10}


@dataclasses.dataclass(frozen=True)
class Case:
    """One fixture: an nn.LSTM configuration and the shapes of its batch."""
    kind: str = "lstm"
    input_size: int = 4
    hidden_size: int = 5
    num_layers: int = 1
    bias: bool = True
    batch_first: bool = False
    bidirectional: bool = False
    proj_size: int = 0
    T: int = 6
    B: int = 3
    h0: bool = False
    lengths: tuple = None
    num_classes: int = 0
    train: bool = False
    tag: str = ""
    about: str = ""

    @property
    def name(self):
        """Descriptive file stem built from the options, e.g. lstm_l2_bidir_proj_bf_h0."""
        if self.kind == "classifier" and self.tag == "seed":
            return "classifier_seed"
        parts = [self.kind, f"l{self.num_layers}"]
        parts += [flag for flag, on in (("bidir", self.bidirectional), ("proj", self.proj_size > 0),
                                        ("nobias", not self.bias), ("bf", self.batch_first and self.kind == "lstm"),
                                        ("h0", self.h0), ("len", self.lengths is not None)) if on]
        if self.tag:
            parts.append(self.tag)
        return "_".join(parts)

    def config(self):
        """The `config` metadata: exactly the keys of the fixture format (+ num_classes)."""
        cfg = {"input_size": self.input_size, "hidden_size": self.hidden_size,
               "num_layers": self.num_layers, "bias": self.bias, "batch_first": self.batch_first,
               "bidirectional": self.bidirectional, "proj_size": self.proj_size}
        if self.kind == "classifier":
            cfg["num_classes"] = self.num_classes
        return cfg


def lstm(**kw):
    return Case(kind="lstm", **kw)


def classifier(**kw):
    return Case(kind="classifier", batch_first=True, **kw)


CASES = [
    # Layers, bias, batch_first, h0/c0.
    lstm(about="1 layer, seq-first, zero state"),
    lstm(batch_first=True, h0=True, about="1 layer, batch_first, given h0/c0"),
    lstm(bias=False, about="1 layer without biases"),
    lstm(num_layers=2, h0=True, about="2 layers, seq-first, given h0/c0"),
    lstm(num_layers=3, batch_first=True, about="3 layers, batch_first"),
    lstm(num_layers=3, bias=False, h0=True, about="3 layers, no bias, given h0/c0"),
    # Bidirectional.
    lstm(bidirectional=True, about="bidirectional, 1 layer"),
    lstm(num_layers=2, bidirectional=True, batch_first=True, h0=True, about="bidirectional, 2 layers, bf, h0/c0"),
    lstm(num_layers=3, bidirectional=True, bias=False, about="bidirectional, 3 layers, no bias"),
    # Projections.
    lstm(proj_size=3, about="proj_size 3, 1 layer"),
    lstm(num_layers=2, proj_size=3, h0=True, about="proj_size, 2 layers, h0 [L,B,P]/c0 [L,B,H]"),
    lstm(num_layers=2, bidirectional=True, proj_size=3, batch_first=True, h0=True,
         about="bidirectional + proj, 2 layers, bf, h0/c0"),
    lstm(num_layers=3, bidirectional=True, proj_size=2, bias=False, about="bidirectional + proj, 3 layers, no bias"),
    # Variable lengths: unsorted, a length-1 sequence, one at full length T.
    lstm(batch_first=True, B=4, lengths=(3, 6, 1, 4), about="lengths, 1 layer, bf"),
    lstm(num_layers=2, B=4, h0=True, lengths=(2, 1, 6, 5), about="lengths, 2 layers, seq-first, h0/c0"),
    lstm(bidirectional=True, batch_first=True, B=4, lengths=(4, 6, 1, 2), about="lengths, bidirectional"),
    lstm(num_layers=2, bidirectional=True, h0=True, B=4, lengths=(1, 5, 6, 3),
         about="lengths, bidirectional, 2 layers, h0/c0"),
    lstm(num_layers=2, proj_size=3, batch_first=True, B=4, lengths=(5, 1, 6, 2), about="lengths, proj, 2 layers"),
    lstm(num_layers=2, bidirectional=True, proj_size=3, batch_first=True, h0=True, B=5,
         lengths=(6, 2, 1, 6, 4), about="lengths, bidirectional + proj, 2 layers, h0/c0, repeated lengths"),
    lstm(num_layers=3, bidirectional=True, proj_size=2, bias=False, B=4, lengths=(3, 1, 6, 2),
         about="lengths, bidirectional + proj, 3 layers, no bias"),
    lstm(num_layers=2, batch_first=True, B=3, T=7, lengths=(3, 1, 5), tag="short",
         about="lengths all < T: every sequence padded, output zero from step 5"),
    lstm(bidirectional=True, B=3, lengths=(6, 6, 6), tag="full", about="lengths all == T (packed, no padding)"),
    # Odd (prime) sizes.
    lstm(input_size=7, hidden_size=11, T=13, B=3, batch_first=True, tag="primes",
         about="primes: F 7, H 11, T 13, B 3"),
    lstm(input_size=7, hidden_size=11, proj_size=5, num_layers=2, bidirectional=True, T=13, B=3, h0=True,
         tag="primes", about="primes with proj 5, bidirectional, 2 layers, h0/c0"),
    lstm(input_size=7, hidden_size=11, proj_size=5, num_layers=3, T=13, B=3, batch_first=True,
         lengths=(13, 1, 7), tag="primes", about="primes with proj 5, 3 layers, lengths"),
    # Batch 1, one step, hidden 1.
    lstm(B=1, batch_first=True, h0=True, tag="b1", about="batch 1"),
    lstm(B=1, num_layers=2, bidirectional=True, proj_size=2, lengths=(6,), tag="b1",
         about="batch 1, bidirectional + proj, lengths [T]"),
    lstm(T=1, num_layers=2, bidirectional=True, h0=True, tag="t1", about="a single time step"),
    lstm(hidden_size=1, num_layers=2, tag="h1", about="hidden size 1"),
    # Long sequences.
    lstm(T=64, B=2, hidden_size=6, batch_first=True, h0=True, tag="t64", about="long sequence, T 64"),
    lstm(T=57, B=3, hidden_size=6, num_layers=2, bidirectional=True, lengths=(57, 1, 40), tag="t57",
         about="long sequence T 57, bidirectional, 2 layers, lengths"),
    # The classifier.
    classifier(input_size=28, hidden_size=128, num_layers=2, num_classes=10, T=28, B=16, train=True, tag="seed",
               about="the seed's exact shapes (F 28, T 28, H 128, 2 layers, 10 classes), B 16, + 10 Adam steps"),
    classifier(input_size=7, hidden_size=11, num_layers=2, num_classes=3, bidirectional=True, proj_size=5,
               T=9, B=5, tag="primes", about="classifier on a bidirectional + proj LSTM, prime sizes"),
    classifier(input_size=6, hidden_size=8, num_layers=1, num_classes=4, bias=False, T=5, B=3,
               about="classifier, 1 layer, LSTM without bias"),
]


def seed_of(name):
    """A stable per-fixture seed: the CRC-32 of its name."""
    return zlib.crc32(name.encode("utf-8"))


def f32(t):
    """('F32', numpy array) of a tensor, rounded once from float64 if need be."""
    return ("F32", t.detach().to(torch.float32).contiguous().numpy())


def make_lstm(case):
    """The case's nn.LSTM with float32 default init, seeded from its name."""
    torch.manual_seed(seed_of(case.name))
    return nn.LSTM(case.input_size, case.hidden_size, case.num_layers, bias=case.bias,
                   batch_first=case.batch_first, bidirectional=case.bidirectional, proj_size=case.proj_size)


def step_mask(case):
    """[B, T] float64 mask: 1 at real steps, 0 at padded ones."""
    lengths = case.lengths or (case.T,) * case.B
    steps = torch.arange(case.T).unsqueeze(0)
    return (steps < torch.tensor(lengths).unsqueeze(1)).to(torch.float64)


def seq_shape(case, features):
    return (case.B, case.T, features) if case.batch_first else (case.T, case.B, features)


def apply_mask(case, t):
    """Zero the padded steps of a [B,T,*] or [T,B,*] tensor."""
    mask = step_mask(case)
    mask = mask if case.batch_first else mask.t()
    return t * mask.unsqueeze(-1).to(t.dtype)


def run_lstm(module, case, x, hx):
    """Forward through `module`, packing when the case has lengths."""
    if case.lengths is None:
        return module(x, hx)
    packed = pack_padded_sequence(x, torch.tensor(case.lengths), batch_first=case.batch_first,
                                  enforce_sorted=False)
    out, state = module(packed, hx)
    out, _ = pad_packed_sequence(out, batch_first=case.batch_first, total_length=case.T)
    return out, state


def lstm_fixture(case):
    """Tensors {name: (dtype, array)} of a bare-LSTM fixture."""
    module = make_lstm(case)
    gen = torch.Generator().manual_seed(seed_of(case.name))
    directions = 2 if case.bidirectional else 1
    h_out = case.proj_size or case.hidden_size
    x = torch.randn(seq_shape(case, case.input_size), generator=gen)
    h0 = torch.randn(case.num_layers * directions, case.B, h_out, generator=gen)
    c0 = torch.randn(case.num_layers * directions, case.B, case.hidden_size, generator=gen)
    grad_out = apply_mask(case, torch.randn(seq_shape(case, directions * h_out), generator=gen))
    grad_hn = torch.randn(h0.shape, generator=gen)
    grad_cn = torch.randn(c0.shape, generator=gen)

    params = {name: p.detach().clone() for name, p in module.named_parameters()}
    module = module.double()
    x64 = x.double().requires_grad_()
    hx = None
    if case.h0:
        hx = (h0.double().requires_grad_(), c0.double().requires_grad_())
    out, (h_n, c_n) = run_lstm(module, case, x64, hx)
    loss = (out * grad_out.double()).sum() + (h_n * grad_hn.double()).sum() + (c_n * grad_cn.double()).sum()
    loss.backward()

    tensors = {name: f32(p) for name, p in params.items()}
    tensors.update({"input": f32(x), "output": f32(out), "h_n": f32(h_n), "c_n": f32(c_n),
                    "grad_output": f32(grad_out), "grad_h_n": f32(grad_hn), "grad_c_n": f32(grad_cn),
                    "grad.input": f32(x64.grad)})
    if case.h0:
        tensors.update({"h0": f32(h0), "c0": f32(c0), "grad.h0": f32(hx[0].grad), "grad.c0": f32(hx[1].grad)})
    for name, p in module.named_parameters():
        tensors["grad." + name] = f32(p.grad)
    return tensors


def make_classifier(case):
    torch.manual_seed(seed_of(case.name))
    return Classifier(case.input_size, case.hidden_size, case.num_layers, case.num_classes,
                      bias=case.bias, bidirectional=case.bidirectional, proj_size=case.proj_size)


def classifier_batch(case):
    """(input [B,T,F] float32, labels [B] int64) of a classifier case."""
    gen = torch.Generator().manual_seed(seed_of(case.name))
    x = torch.randn(case.B, case.T, case.input_size, generator=gen)
    labels = torch.randint(0, case.num_classes, (case.B,), generator=gen)
    return x, labels


def adam_losses(model, x, labels, steps):
    """Losses before each of `steps` Adam steps (lr 1e-3, defaults) on one batch."""
    opt = torch.optim.Adam(model.parameters(), lr=ADAM["lr"], betas=tuple(ADAM["betas"]), eps=ADAM["eps"])
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def classifier_fixture(case):
    """Tensors of a classifier fixture (and its Adam trajectory when case.train)."""
    model = make_classifier(case)
    x, labels = classifier_batch(case)
    params = {name: t.clone() for name, t in model.state_dict().items()}
    model = model.double()
    x64 = x.double().requires_grad_()
    logits = model(x64)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    tensors = {name: f32(t) for name, t in params.items()}
    tensors.update({"input": f32(x), "labels": ("I64", labels.numpy()), "logits": f32(logits),
                    "loss": f32(loss.reshape(1)), "grad.input": f32(x64.grad)})
    for name, p in model.named_parameters():
        tensors["grad." + name] = f32(p.grad)
    if not case.bidirectional:
        for name, t in inside_tensors(model, x.double()).items():
            tensors[name] = ("I64", t.numpy()) if t.dtype == torch.int64 else f32(t)
    if case.train:
        model.load_state_dict({k: v.double() for k, v in params.items()})
        losses = adam_losses(model, x.double(), labels, ADAM["steps"])
        tensors["train_losses"] = ("F32", np.array(losses, dtype=np.float32))
    return tensors


def written_out_gates(model, x):
    """Every layer's gates [T, 4H] (i, f, g, o activated) for the first
    sequence of x, by the LSTM equations, checked against nn.LSTM's output."""
    lstm = model.lstm
    B, T, _ = x.shape
    H = lstm.hidden_size
    inp, gates = x, {}
    for k in range(lstm.num_layers):
        w_ih, w_hh = getattr(lstm, f"weight_ih_l{k}"), getattr(lstm, f"weight_hh_l{k}")
        bias = 0
        if lstm.bias:
            bias = getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}")
        h, c = x.new_zeros(B, H), x.new_zeros(B, H)
        steps, outs = [], []
        for t in range(T):
            z = inp[:, t] @ w_ih.t() + h @ w_hh.t() + bias
            i, f, g, o = torch.sigmoid(z[:, :H]), torch.sigmoid(z[:, H:2 * H]), torch.tanh(z[:, 2 * H:3 * H]), torch.sigmoid(z[:, 3 * H:])
            c = f * c + i * g
            h = o * torch.tanh(c)
            steps.append(torch.cat([i, f, g, o], dim=1))
            outs.append(h)
        gates[f"trace.gates_l{k}"] = torch.stack(steps, dim=1)[0]
        inp = torch.stack(outs, dim=1)
    want, _ = lstm(x)
    if not torch.allclose(inp, want, rtol=0, atol=1e-12 if x.dtype == torch.float64 else 1e-5):
        raise SystemExit("the written-out LSTM equations disagree with nn.LSTM")
    return gates


def attribution(model, x):
    """For each sequence's predicted class: gradient x input of its logit
    summed over each step [B, T], and occlusion [B, T]: its probability less
    that with the step's features zeroed."""
    x = x.detach().requires_grad_()
    logits = model(x)
    classes = logits.argmax(dim=1)
    chosen = logits.gather(1, classes[:, None]).sum()
    (grad,) = torch.autograd.grad(chosen, x)
    B, T, _ = x.shape
    prob = F.softmax(logits.detach(), dim=1).gather(1, classes[:, None])[:, 0]
    occlusion = torch.empty(B, T, dtype=x.dtype)
    for t in range(T):
        blank = x.detach().clone()
        blank[:, t] = 0
        p = F.softmax(model(blank).detach(), dim=1).gather(1, classes[:, None])[:, 0]
        occlusion[:, t] = prob - p
    return {"attribution.class": classes, "attribution.grad_x_input": (grad * x.detach()).sum(dim=2),
            "attribution.occlusion": occlusion}


def inside_tensors(model, x):
    """What the page shows inside a unidirectional classifier on x, as
    {name: tensor}: the first sequence's gates and every sequence's
    attributions (verify_fixtures.py recomputes them the same way)."""
    with torch.no_grad():
        tensors = written_out_gates(model, x)
    tensors.update(attribution(model, x))
    return tensors


def metadata(case):
    meta = {"kind": case.kind, "config": json.dumps(case.config(), separators=(",", ":"))}
    if case.lengths is not None:
        meta["lengths"] = json.dumps(list(case.lengths))
    if case.train:
        meta["train"] = json.dumps(ADAM, separators=(",", ":"))
    return meta


def check_cases(cases):
    """Fail early on duplicate names or lengths that do not fit the batch."""
    names = [c.name for c in cases]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SystemExit(f"duplicate fixture names: {dupes}")
    for c in cases:
        if c.lengths is not None and (len(c.lengths) != c.B or not all(1 <= n <= c.T for n in c.lengths)):
            raise SystemExit(f"{c.name}: lengths {c.lengths} do not fit B {c.B}, T {c.T}")


def remove_stale(out_dir, keep):
    for entry in sorted(os.listdir(out_dir)):
        if entry.endswith(".safetensors") and entry not in keep:
            os.remove(os.path.join(out_dir, entry))
            print(f"removed stale {entry}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write the PyTorch reference fixtures (format: lstm/testdata/torch/README.md).")
    parser.add_argument("--out-dir", default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    parser.add_argument("--list", action="store_true", help="list the fixtures and what they cover, write nothing")
    args = parser.parse_args(argv)
    check_cases(CASES)
    if args.list:
        for case in CASES:
            print(f"{case.name + '.safetensors':48s} {case.about}")
        return 0
    torch.set_num_threads(1)
    os.makedirs(args.out_dir, exist_ok=True)
    total, keep = 0, set()
    for case in CASES:
        tensors = lstm_fixture(case) if case.kind == "lstm" else classifier_fixture(case)
        file_name = case.name + ".safetensors"
        size = write(os.path.join(args.out_dir, file_name), tensors, metadata(case))
        keep.add(file_name)
        total += size
        print(f"{size:9d}  {file_name}")
    remove_stale(args.out_dir, keep)
    print(f"{total:9d}  total, {len(CASES)} files in {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
