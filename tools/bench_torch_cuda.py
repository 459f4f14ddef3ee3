"""PyTorch with cuDNN on the GPU: the reference for the CUDA backend.

The seed Classifier (tools/seed_model.py: 2-layer LSTM, hidden 128, 28
steps of 28, Linear to 10), float32, batch 100, Adam 1e-3,
torch.backends.cudnn.benchmark on, the data already on the GPU.

    python3 tools/bench_torch_cuda.py step [--seconds 10]
        median time of a training step (forward, cross-entropy, backward,
        Adam) on a random batch, timed with CUDA events after a warm-up;
        prints one JSON object: samples/s, GFLOP/s (3.54 GFLOP per step,
        as digits bench counts), ms per step.
    python3 tools/bench_torch_cuda.py train --data DIR [--epochs 20]
        the full training run of digits train on MNIST's four IDX .gz files
        in DIR: the sets uploaded once, shuffled on the GPU each epoch,
        test accuracy at the end; prints one JSON object with the wall time
        from before the upload to after the last evaluation.
"""

import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_model import Classifier  # noqa: E402

BATCH, STEPS, FEATURES, CLASSES = 100, 28, 28, 10
GFLOP_PER_STEP = 3.54  # digits bench's count at batch 100 (lstm.TrainFLOPs)


def model_and_opt(dev):
    torch.manual_seed(1)
    model = Classifier(FEATURES, 128, 2, CLASSES).to(dev).train()
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def train_step(model, opt, x, y):
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


def bench_step(seconds):
    dev = torch.device("cuda")
    model, opt = model_and_opt(dev)
    x = torch.rand(BATCH, STEPS, FEATURES, device=dev)
    y = torch.randint(0, CLASSES, (BATCH,), device=dev)
    for _ in range(50):
        train_step(model, opt, x, y)
    torch.cuda.synchronize()
    times, start = [], time.perf_counter()
    while len(times) < 20 or time.perf_counter() - start < seconds:
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        train_step(model, opt, x, y)
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b) / 1e3)
    t = statistics.median(times)
    return {"impl": "pytorch-cudnn", "device": torch.cuda.get_device_name(), "batch": BATCH,
            "train_samples_per_sec": BATCH / t, "train_gflops": GFLOP_PER_STEP / t, "step_ms": t * 1e3,
            "torch_version": torch.__version__, "cudnn": torch.backends.cudnn.version()}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def train(data, epochs):
    dev = torch.device("cuda")
    files = {k: read_idx(os.path.join(data, k + ".gz")) for k in
             ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    model, opt = model_and_opt(dev)
    torch.cuda.synchronize()
    start = time.perf_counter()
    xs = torch.from_numpy(files["train-images-idx3-ubyte"].copy()).to(dev)
    ys = torch.from_numpy(files["train-labels-idx1-ubyte"].astype(np.int64)).to(dev)
    xt = torch.from_numpy(files["t10k-images-idx3-ubyte"].copy()).to(dev).float() / 255
    yt = torch.from_numpy(files["t10k-labels-idx1-ubyte"].astype(np.int64)).to(dev)
    gen = torch.Generator(device=dev)
    gen.manual_seed(1)
    n = xs.shape[0]
    for _ in range(epochs):
        order = torch.randperm(n, device=dev, generator=gen)
        for k in range(0, n, BATCH):
            idx = order[k:k + BATCH]
            train_step(model, opt, xs[idx].float() / 255, ys[idx])
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(xt[k:k + 500]).argmax(1) == yt[k:k + 500]).sum()) for k in range(0, xt.shape[0], 500))
    torch.cuda.synchronize()
    wall = time.perf_counter() - start
    return {"impl": "pytorch-cudnn", "device": torch.cuda.get_device_name(), "epochs": epochs, "batch": BATCH,
            "seconds": wall, "test_accuracy": correct / xt.shape[0]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    s = sub.add_parser("step")
    s.add_argument("--seconds", type=float, default=10)
    t = sub.add_parser("train")
    t.add_argument("--data", required=True)
    t.add_argument("--epochs", type=int, default=20)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("bench_torch_cuda.py: PyTorch sees no CUDA GPU")
    torch.backends.cudnn.benchmark = True
    r = bench_step(args.seconds) if args.what == "step" else train(args.data, args.epochs)
    print(json.dumps(r))


if __name__ == "__main__":
    main()
