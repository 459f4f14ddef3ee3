"""Measure PyTorch's CPU speed on the seed model, as the baseline for the Go code.

Two measurements, float32, on random data:

(a) training: full steps of the seed Classifier (F 28, T 28, hidden 128,
    2 layers, 10 classes, batch 100): forward, mean cross-entropy, backward,
    Adam (lr 1e-3).  A few warm-up steps, then timed steps until the time
    budget is spent; reports the median step as samples/s and GFLOP/s.
(b) inference (eval mode, torch.no_grad): one drawing (batch 1), median
    latency in ms; and a batch of 100, median, as samples/s.

GFLOP per step (--gflop-per-step, default 3.54 at batch 100) counts the
LSTM's matrix products only, 2 FLOP per multiply-add:
    forward  = 2*B*T*4H*(F+H)  (layer 0)  +  2*B*T*4H*(H+H)  (layer 1)
             = 2*100*28*512*156 + 2*100*28*512*256 = 1.181 GFLOP
    training = 3 x forward (backward costs about twice the forward) = 3.54,
plus the classifier, 2*B*H*C*3 = 0.0008 GFLOP, which is negligible.

--threads N calls torch.set_num_threads(N).  Set OMP_WAIT_POLICY=PASSIVE so
that idle OpenMP threads do not spin and steal the CPU between operations:

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/bench_torch.py --threads 1
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/bench_torch.py --threads 2 --json

--seconds (default 40) is the time budget: 3/4 for training, 1/8 for each
inference, warm-up not included.  --json prints one JSON object:
{"impl","threads","train_samples_per_sec","train_gflops","infer_ms",
"infer_samples_per_sec","torch_version"}.
"""

import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from seed_model import Classifier

BATCH, STEPS, FEATURES, HIDDEN, LAYERS, CLASSES = 100, 28, 28, 128, 2, 10


def forward_gflop(batch=BATCH, steps=STEPS, features=FEATURES, hidden=HIDDEN):
    """GFLOP of the two LSTM layers' matrix products in one forward pass."""
    gates = 4 * hidden
    return (2 * batch * steps * gates * (features + hidden) + 2 * batch * steps * gates * (2 * hidden)) / 1e9


def timed_runs(fn, warmup, seconds, min_runs):
    """Call fn `warmup` times, then time calls until `seconds` pass; return durations."""
    for _ in range(warmup):
        fn()
    durations, start = [], time.perf_counter()
    while len(durations) < min_runs or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        fn()
        durations.append(time.perf_counter() - t0)
    return durations


def bench_train(seconds, warmup):
    """Median seconds per training step at batch 100."""
    model = Classifier(FEATURES, HIDDEN, LAYERS, CLASSES).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(BATCH, STEPS, FEATURES)
    labels = torch.randint(0, CLASSES, (BATCH,))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), labels).backward()
        opt.step()

    return statistics.median(timed_runs(step, warmup, seconds, min_runs=5))


def bench_infer(batch, seconds, warmup):
    """Median seconds for `batch` drawings through the model."""
    model = Classifier(FEATURES, HIDDEN, LAYERS, CLASSES).eval()
    x = torch.randn(batch, STEPS, FEATURES)

    def infer():
        with torch.no_grad():
            model(x)

    return statistics.median(timed_runs(infer, warmup, seconds, min_runs=20))


def main(argv=None):
    parser = argparse.ArgumentParser(description="PyTorch CPU speed on the seed model (train and inference).")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    parser.add_argument("--seconds", type=float, default=40.0, help="time budget, warm-up excluded (default 40)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed training steps first (default 3)")
    parser.add_argument("--gflop-per-step", type=float, default=3.54,
                        help="GFLOP of one training step at batch 100 (default 3.54)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    step_s = bench_train(0.75 * args.seconds, args.warmup)
    infer_s = bench_infer(1, 0.125 * args.seconds, 10 * args.warmup)
    batch_s = bench_infer(BATCH, 0.125 * args.seconds, args.warmup)
    result = {
        "impl": "pytorch",
        "threads": args.threads,
        "train_samples_per_sec": round(BATCH / step_s, 1),
        "train_gflops": round(args.gflop_per_step / step_s, 2),
        "infer_ms": round(infer_s * 1e3, 3),
        "infer_samples_per_sec": round(BATCH / batch_s, 1),
        "torch_version": torch.__version__,
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"PyTorch {torch.__version__} on CPU, {args.threads} thread(s), float32")
    print(f"  train  batch {BATCH}: {step_s * 1e3:9.1f} ms/step  {result['train_samples_per_sec']:9.1f} samples/s"
          f"  {result['train_gflops']:7.2f} GFLOP/s  ({args.gflop_per_step} GFLOP/step;"
          f" formula gives {3 * forward_gflop():.3f})")
    print(f"  infer  batch 1:   {result['infer_ms']:9.3f} ms/drawing (median)")
    print(f"  infer  batch {BATCH}: {result['infer_samples_per_sec']:9.1f} samples/s (median batch)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
