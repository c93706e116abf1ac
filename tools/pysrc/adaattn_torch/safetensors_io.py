"""Minimal safetensors reader/writer (the format is an 8-byte little-endian header length, a JSON header,
then raw little-endian tensor bytes). Our own, so tools need nothing beyond torch and numpy."""
import json
import struct

import numpy as np
import torch

_TO_NUMPY = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32,
             "I8": np.int8, "U8": np.uint8}
_FROM_TORCH = {torch.float32: "F32", torch.float16: "F16", torch.float64: "F64", torch.int64: "I64",
               torch.int32: "I32", torch.int8: "I8", torch.uint8: "U8"}


def save(tensors, path, metadata=None):
    """Write a dict name -> tensor. Tensors keep their dtype; cast before calling to choose the storage."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").contiguous()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": _FROM_TORCH[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)  # keep the data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for raw in blobs:
            f.write(raw)


def load(path, dtype=torch.float32):
    """Read a safetensors file into a dict name -> tensor (floating tensors cast to `dtype`)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        arr = np.frombuffer(data[base + start:base + end], dtype=_TO_NUMPY[info["dtype"]]).reshape(info["shape"])
        t = torch.from_numpy(arr.copy())
        out[name] = t.to(dtype) if t.is_floating_point() and dtype is not None else t
    return out


def metadata(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n)).get("__metadata__", {})
