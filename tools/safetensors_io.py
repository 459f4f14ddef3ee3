"""A small, dependency-free (numpy only) safetensors reader and writer.

The tools in this folder use it instead of the `safetensors` package, which is
not installed here.  The format:

* 8 bytes: N, the header length, little-endian uint64;
* N bytes: a JSON object mapping each tensor name to
  {"dtype": ..., "shape": [...], "data_offsets": [begin, end]}, plus an
  optional "__metadata__" object of string -> string.  The writer pads the
  header with spaces so that N is a multiple of 8;
* the raw little-endian, row-major data of every tensor, back to back, with
  no holes.  Offsets count from the first byte after the header.  The writer
  lays tensors out sorted by name.

Supported dtypes: F64, F32, F16, BF16 and I64.  BF16 is the upper 16 bits of
a float32; converting a float32 to BF16 rounds to nearest, ties to even.

Used as a library:

    from safetensors_io import read, write
    write("a.safetensors", {"w": ("F32", array)}, metadata={"k": "v"})
    tensors, dtypes, metadata = read("a.safetensors")

Run directly to self-test the round trips (BF16 rounding is checked against
PyTorch when torch is importable):

    /usr/bin/python3 tools/safetensors_io.py --self-test
"""

import argparse
import json
import struct
import sys

import numpy as np

# dtype name -> numpy dtype of the bytes on disk (little-endian).
_STORAGE = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),
    "I64": np.dtype("<i8"),
}

METADATA_KEY = "__metadata__"


class FormatError(ValueError):
    """A file that is not valid safetensors (or uses an unsupported dtype)."""


def float32_to_bf16_bits(values):
    """Round float32 values to bfloat16 (nearest, ties to even); return uint16 bits."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    lsb = (bits >> 16) & 1
    rounded = ((bits + 0x7FFF + lsb) >> 16).astype(np.uint16)
    # NaN: keep the sign and top payload bits, force a quiet NaN.
    nan = np.isnan(np.asarray(values, dtype=np.float32))
    quiet = ((bits >> 16) | 0x0040).astype(np.uint16)
    return np.where(nan, quiet, rounded)


def bf16_bits_to_float32(bits):
    """Widen bfloat16 bit patterns (uint16) to float32 exactly."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def _encode(dtype, array):
    """Return the on-disk bytes of `array` stored as `dtype`."""
    if dtype not in _STORAGE:
        raise FormatError(f"unsupported dtype {dtype!r}")
    array = np.asarray(array)
    if dtype == "BF16":
        data = float32_to_bf16_bits(array.astype(np.float32))
    elif dtype == "I64":
        if array.dtype.kind not in "iub":
            raise FormatError("I64 tensors need integer data")
        data = array.astype(_STORAGE[dtype])
    else:
        data = array.astype(_STORAGE[dtype])
    return np.ascontiguousarray(data).tobytes()


def _decode(dtype, raw, shape):
    """Turn on-disk bytes into a numpy array (BF16 widens to float32)."""
    data = np.frombuffer(raw, dtype=_STORAGE[dtype]).reshape(shape)
    if dtype == "BF16":
        return bf16_bits_to_float32(data)
    return data.astype(_STORAGE[dtype].newbyteorder("="), copy=True)


def encode_file(tensors, metadata=None):
    """Serialise {name: (dtype, array)} and optional str->str metadata to bytes."""
    header = {}
    if metadata:
        for key, value in metadata.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise FormatError("metadata keys and values must be strings")
        header[METADATA_KEY] = dict(sorted(metadata.items()))
    chunks, offset = [], 0
    for name in sorted(tensors):
        if not name or name == METADATA_KEY:
            raise FormatError(f"bad tensor name {name!r}")
        dtype, array = tensors[name]
        raw = _encode(dtype, array)
        shape = [int(d) for d in np.shape(array)]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def write(path, tensors, metadata=None):
    """Write {name: (dtype, array)} to `path`; return the number of bytes written."""
    blob = encode_file(tensors, metadata)
    with open(path, "wb") as f:
        f.write(blob)
    return len(blob)


def _parse_header(blob):
    """Return (header dict, data bytes) of a safetensors file's contents."""
    if len(blob) < 8:
        raise FormatError("file shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise FormatError(f"header length {n} runs past the end of the file")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FormatError(f"header is not JSON: {err}") from None
    if not isinstance(header, dict):
        raise FormatError("header is not a JSON object")
    return header, blob[8 + n:]


def _check_entry(name, entry):
    """Validate one tensor's header entry; return (dtype, shape, begin, end)."""
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise FormatError(f"tensor {name!r}: entry needs exactly dtype, shape, data_offsets")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in _STORAGE:
        raise FormatError(f"tensor {name!r}: unsupported dtype {dtype!r}")
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise FormatError(f"tensor {name!r}: bad shape {shape!r}")
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(isinstance(o, int) for o in offsets) or not 0 <= offsets[0] <= offsets[1]):
        raise FormatError(f"tensor {name!r}: bad data_offsets {offsets!r}")
    size = _STORAGE[dtype].itemsize * int(np.prod(shape, dtype=np.int64))
    if offsets[1] - offsets[0] != size:
        raise FormatError(f"tensor {name!r}: {offsets[1] - offsets[0]} bytes for {dtype}{shape}")
    return dtype, tuple(shape), offsets[0], offsets[1]


def _check_metadata(metadata):
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise FormatError("__metadata__ must map strings to strings")
    return dict(metadata)


def decode_file(blob):
    """Parse safetensors bytes; return (tensors, dtypes, metadata) dicts."""
    header, data = _parse_header(blob)
    metadata = _check_metadata(header.pop(METADATA_KEY, {}))
    entries = {name: _check_entry(name, entry) for name, entry in header.items()}
    spans = sorted((begin, end, name) for name, (_, _, begin, end) in entries.items())
    position = 0
    for begin, end, name in spans:
        if begin != position:
            raise FormatError(f"tensor {name!r}: data at {begin}, expected {position} (hole or overlap)")
        position = end
    if position != len(data):
        raise FormatError(f"tensor data is {position} bytes but the file holds {len(data)}")
    tensors, dtypes = {}, {}
    for name, (dtype, shape, begin, end) in entries.items():
        tensors[name] = _decode(dtype, data[begin:end], shape)
        dtypes[name] = dtype
    return tensors, dtypes, metadata


def read(path):
    """Read a safetensors file; return (tensors, dtypes, metadata) dicts."""
    with open(path, "rb") as f:
        return decode_file(f.read())


def _self_test():
    """Round-trip every dtype and check BF16 rounding; raise on failure."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5)).astype(np.float32)
    tensors = {
        "b": ("F64", x.astype(np.float64) / 3),
        "a": ("F32", x),
        "c": ("F16", x),
        "d": ("BF16", x),
        "e": ("I64", np.arange(7)),
    }
    blob = encode_file(tensors, {"k": "v"})
    assert (8 + struct.unpack("<Q", blob[:8])[0]) % 8 == 0
    got, dtypes, meta = decode_file(blob)
    assert meta == {"k": "v"} and dtypes == {k: v[0] for k, v in tensors.items()}
    assert np.array_equal(got["a"], x) and np.array_equal(got["b"], x.astype(np.float64) / 3)
    assert np.array_equal(got["c"], x.astype(np.float16))
    assert np.array_equal(got["e"], np.arange(7))
    # Ties round to even; 3.4e38 is past the largest finite BF16 and overflows.
    # Ties: 1 + 2^-8 is halfway between bf16 1 and 1+2^-7: rounds to even (1).
    ties = np.array([1 + 2**-8, 1 + 3 * 2**-8, -(1 + 2**-8), np.inf, -np.inf, 3.4e38], np.float32)
    assert list(bf16_bits_to_float32(float32_to_bf16_bits(ties))) == [1, 1 + 2**-6, -1, np.inf, -np.inf, np.inf]
    assert np.isnan(bf16_bits_to_float32(float32_to_bf16_bits(np.array([np.nan], np.float32))))[0]
    try:
        import torch
    except ImportError:
        print("torch not importable: BF16 not cross-checked with PyTorch")
        return
    many = rng.standard_normal(100000).astype(np.float32) * np.float32(1e3)
    many = np.concatenate([many, ties[:3]])
    ours = bf16_bits_to_float32(float32_to_bf16_bits(many))
    theirs = torch.from_numpy(many).bfloat16().float().numpy()
    assert np.array_equal(ours, theirs), "BF16 rounding differs from PyTorch"
    print("BF16 rounding matches PyTorch on", many.size, "values")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Minimal safetensors reader/writer (library).")
    parser.add_argument("--self-test", action="store_true", help="run the round-trip self-test")
    parser.add_argument("--show", metavar="FILE", help="print the header of a safetensors file")
    args = parser.parse_args(argv)
    if args.self_test:
        _self_test()
        print("safetensors_io self-test: ok")
    if args.show:
        tensors, dtypes, metadata = read(args.show)
        for key, value in sorted(metadata.items()):
            print(f"meta {key} = {value}")
        for name in sorted(tensors):
            print(f"{name:40s} {dtypes[name]:5s} {list(tensors[name].shape)}")
    if not (args.self_test or args.show):
        parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
