"""Minimal safetensors reader/writer (the format is an 8-byte little-endian header length, a JSON header,
then raw little-endian tensor bytes). Our own, so tools need nothing beyond torch and numpy."""
import hashlib
import json
import os
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
        return loads(f.read(), dtype)


def read_model_file(model_dir, entry):
    """The bytes of one model.json `files` entry: the file itself, or its `shards` joined in order (the npm
    model packages split files over 16 MiB for the CDNs), each piece and the whole checked against its sha256."""
    pieces = entry.get("shards") or [entry]
    data = b""
    for piece in pieces:
        with open(os.path.join(model_dir, piece["path"]), "rb") as f:
            part = f.read()
        if len(part) != piece["bytes"] or hashlib.sha256(part).hexdigest() != piece["sha256"]:
            raise ValueError(f"{os.path.join(model_dir, piece['path'])}: size or sha256 differs from model.json")
        data += part
    if len(pieces) > 1 and hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise ValueError(f"{model_dir}: the shards of {entry['path']} do not join to model.json's sha256")
    return data


def load_component(folder, component, dtype=torch.float32):
    """`component` from a model directory (model.json, maybe sharded) or a plain folder of <component>.safetensors."""
    manifest = os.path.join(folder, "model.json")
    if os.path.exists(manifest):
        with open(manifest) as f:
            entry = json.load(f)["files"][component]
        return loads(read_model_file(folder, entry), dtype)
    return load(os.path.join(folder, f"{component}.safetensors"), dtype)


def loads(data, dtype=torch.float32):
    """Parse safetensors bytes into a dict name -> tensor (floating tensors cast to `dtype`)."""
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
