"""Summarise side-by-side benchmark runs of lstm-digits, PyTorch and ONNX Runtime.

Reads JSON lines on stdin, as printed by `digits bench --json`,
`tools/bench_torch.py --json` and `tools/onnxbench/bench.js` (each has
"impl" and "threads", and some of "train_samples_per_sec", "train_gflops",
"infer_ms", "infer_samples_per_sec"), groups them by implementation and
thread count, and prints the median and range of each figure, and the ratio
of our median to each other implementation's (above 1: ours is faster).
ONNX Runtime only infers, so its training rows are empty. `make bench` runs
the three alternately and pipes them here; it needs no third-party package.
"""

import json
import statistics
import sys
from collections import defaultdict

IMPLS = (("lstm-digits", "lstm-digits"), ("pytorch", "PyTorch"), ("onnxruntime", "ONNX Runtime"))
FIGURES = (  # key, label, higher is better
    ("train_samples_per_sec", "train samples/s", True),
    ("train_gflops", "train GFLOP/s", True),
    ("infer_ms", "inference ms/digit", False),
    ("infer_samples_per_sec", "inference batch, samples/s", True),
)


def num(v):
    """v with three or four significant digits: 5285, 187.3, 0.342."""
    return f"{v:.0f}" if v >= 1000 else f"{v:.1f}" if v >= 100 else f"{v:.2f}" if v >= 10 else f"{v:.3f}"


def main():
    runs = defaultdict(list)
    for line in sys.stdin:
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            runs[(r["impl"], r["threads"])].append(r)
    if not runs:
        sys.exit("bench_compare: no JSON results on stdin")

    def fig(impl, threads, key):
        vals = [r[key] for r in runs.get((impl, threads), []) if key in r]
        if not vals:
            return None, "-"
        med = statistics.median(vals)
        return med, f"{num(med)} ({num(min(vals))}-{num(max(vals))}, {len(vals)} runs)"

    others = [(impl, name) for impl, name in IMPLS[1:] if any(i == impl for i, _ in runs)]
    header = f"{'threads':>7} {'figure':<27}" + "".join(f" {name + ' median (range)':>30}" for _, name in [IMPLS[0], *others])
    print(header + "".join(f" {'ours/' + name:>18}" for _, name in others))
    for threads in sorted({t for _, t in runs}):
        for key, label, higher_better in FIGURES:
            ours, ours_s = fig(IMPLS[0][0], threads, key)
            row, ratios = f"{threads:>7} {label:<27} {ours_s:>30}", ""
            for impl, _ in others:
                theirs, theirs_s = fig(impl, threads, key)
                row += f" {theirs_s:>30}"
                ratio = ""
                if ours and theirs:
                    ratio = f"{ours / theirs if higher_better else theirs / ours:.2f}x"
                ratios += f" {ratio:>18}"
            print(row + ratios)
    print("(ratios above 1 mean lstm-digits is faster)")


if __name__ == "__main__":
    main()
