"""The seed digit classifier in PyTorch: the reference class for the Go model.

`Classifier` is an `nn.LSTM` (batch_first) followed by a `nn.Linear` applied
to the output at the last time step.  `from_config` builds one from the JSON
config stored in model files:

    {"input_size", "hidden_size", "num_layers", "bias", "batch_first",
     "dropout", "bidirectional", "proj_size", "num_classes"}

input_size, hidden_size, num_layers and num_classes are required; the others
default to bias=true, batch_first=true, dropout=0, bidirectional=false,
proj_size=0.  batch_first must be true.  Unknown keys are rejected.

Run directly to print a model's parameter names and shapes:

    /usr/bin/python3 tools/seed_model.py --config '{"input_size":28,"hidden_size":128,"num_layers":2,"num_classes":10}'
"""

import argparse
import json
import sys

import torch
from torch import nn

REQUIRED_INT_KEYS = ("input_size", "hidden_size", "num_layers", "num_classes")
OPTIONAL_KEYS = {"bias": True, "batch_first": True, "dropout": 0.0, "bidirectional": False, "proj_size": 0}


class Classifier(nn.Module):
    """LSTM over a [B, T, input_size] batch, then a linear layer on the last step."""

    def __init__(self, input_size=28, hidden_size=128, num_layers=2, num_classes=10,
                 bias=True, dropout=0.0, bidirectional=False, proj_size=0):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, bias=bias, batch_first=True,
                            dropout=dropout, bidirectional=bidirectional, proj_size=proj_size)
        out = (proj_size or hidden_size) * (2 if bidirectional else 1)
        self.classifier = nn.Linear(out, num_classes)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.classifier(out[:, -1, :])


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def validate_config(cfg):
    """Check a config dict; return it completed with defaults, or raise ValueError."""
    if not isinstance(cfg, dict):
        raise ValueError("config must be a JSON object")
    unknown = sorted(set(cfg) - set(REQUIRED_INT_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise ValueError(f"config has unknown keys {unknown}")
    full = dict(OPTIONAL_KEYS)
    full.update(cfg)
    for key in REQUIRED_INT_KEYS:
        if key not in cfg:
            raise ValueError(f"config lacks {key!r}")
        if not _is_int(cfg[key]) or cfg[key] < 1:
            raise ValueError(f"config {key!r} must be a positive integer, got {cfg[key]!r}")
    for key in ("bias", "batch_first", "bidirectional"):
        if not isinstance(full[key], bool):
            raise ValueError(f"config {key!r} must be true or false, got {full[key]!r}")
    if not full["batch_first"]:
        raise ValueError("config 'batch_first' must be true for the classifier")
    if not _is_int(full["proj_size"]) or not 0 <= full["proj_size"] < full["hidden_size"]:
        raise ValueError(f"config 'proj_size' must be an integer in [0, hidden_size), got {full['proj_size']!r}")
    dropout = full["dropout"]
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"config 'dropout' must be a number in [0, 1), got {dropout!r}")
    return full


def from_config(cfg):
    """Build a Classifier from a model-file config dict (see the module docstring)."""
    full = validate_config(cfg)
    return Classifier(input_size=full["input_size"], hidden_size=full["hidden_size"],
                      num_layers=full["num_layers"], num_classes=full["num_classes"],
                      bias=full["bias"], dropout=float(full["dropout"]),
                      bidirectional=full["bidirectional"], proj_size=full["proj_size"])


def config_of(model):
    """The config dict (all keys) that rebuilds `model` with from_config."""
    lstm = model.lstm
    return {
        "input_size": lstm.input_size, "hidden_size": lstm.hidden_size,
        "num_layers": lstm.num_layers, "bias": lstm.bias, "batch_first": True,
        "dropout": float(lstm.dropout), "bidirectional": lstm.bidirectional,
        "proj_size": lstm.proj_size, "num_classes": model.classifier.out_features,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description="Print the seed Classifier's parameters for a config.")
    parser.add_argument("--config", default='{"input_size":28,"hidden_size":128,"num_layers":2,"num_classes":10}',
                        help="config JSON (default: the seed model)")
    args = parser.parse_args(argv)
    model = from_config(json.loads(args.config))
    print(json.dumps(config_of(model)))
    total = 0
    for name, tensor in model.state_dict().items():
        total += tensor.numel()
        print(f"{name:28s} {list(tensor.shape)}")
    print(f"parameters: {total}  (torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
