"""Summarise side-by-side benchmark runs of lstm-digits and PyTorch.

Reads JSON lines on stdin, as printed by `digits bench --json` and
`tools/bench_torch.py --json` (each has "impl", "threads",
"train_samples_per_sec" and "infer_ms"), groups them by implementation and
thread count, and prints the median and range of each figure and the ratio
of our medians to PyTorch's. `make bench` runs the two alternately and pipes
them here; it needs no third-party package.
"""

import json
import statistics
import sys
from collections import defaultdict


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
        vals = [r[key] for r in runs.get((impl, threads), [])]
        if not vals:
            return None, ""
        med = statistics.median(vals)
        return med, f"{med:9.2f} ({min(vals):.2f}-{max(vals):.2f})"

    print(f"{'threads':>7} {'figure':<22} {'lstm-digits median (range)':>30} {'PyTorch median (range)':>30} {'ours/PyTorch':>13}")
    for threads in sorted({t for _, t in runs}):
        for key, label, higher_better in (
            ("train_samples_per_sec", "train samples/s", True),
            ("train_gflops", "train GFLOP/s", True),
            ("infer_ms", "inference ms/digit", False),
        ):
            ours, ours_s = fig("lstm-digits", threads, key)
            torch, torch_s = fig("pytorch", threads, key)
            ratio = ""
            if ours and torch:
                ratio = f"{ours / torch if higher_better else torch / ours:12.2f}x"
            print(f"{threads:>7} {label:<22} {ours_s:>30} {torch_s:>30} {ratio:>13}")
    print("(ratios above 1 mean lstm-digits is faster)")


if __name__ == "__main__":
    main()
