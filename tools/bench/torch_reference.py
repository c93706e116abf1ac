"""The PyTorch reference for the benchmark: tools/pysrc's ImageModel on the same weights and inputs.

    PYTHONPATH=tools/pysrc /usr/bin/python3 tools/bench/torch_reference.py --model <dir> --inputs <dir> --size 512

Prints one JSON line like sdk-worker.mjs. Sampled attention as the official code (torch RNG, seed 6666),
2 threads, no_grad. The "cached" case encodes the style once and reuses its features, as the SDK's
encodeStyle does (the official code has no such path; this is the fair comparison).

--mode picks the configuration a user of the authors' code could run:
  fp32  the authors' default (float32, IEEE subnormals);
  ftz   float32 with torch.set_flush_denormal(True) (flush-to-zero; x86 with SSE3 only);
  bf16  ftz plus torch.autocast("cpu", dtype=torch.bfloat16) (oneDNN bf16 kernels: AVX512-BF16 or AMX).
"""
import argparse
import contextlib
import json
import os
import resource
import statistics
import time

import numpy as np
import torch

from adaattn_torch import safetensors_io
from adaattn_torch.model import ImageModel

PARTS = {"encoder": "encoder", "transformer": "transformer", "adaattn_3": "adaattn3", "decoder": "decoder"}


def load_model(model_dir):
    model = ImageModel()
    for attr, name in PARTS.items():
        state = safetensors_io.load_component(model_dir, name)
        getattr(model, attr).load_state_dict(state)
    return model.eval()


def image(inputs, name, size):
    raw = np.fromfile(os.path.join(inputs, f"{name}-{size}.rgb"), dtype=np.uint8).reshape(size, size, 3)
    return torch.from_numpy(raw.astype(np.float32) / 255).permute(2, 0, 1).unsqueeze(0).contiguous()


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--inputs", required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--mode", choices=("fp32", "ftz", "bf16"), default="fp32")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.mode != "fp32" and not torch.set_flush_denormal(True):
        raise SystemExit("torch_reference: this CPU cannot flush subnormals (torch.set_flush_denormal returned False)")
    precision = torch.autocast("cpu", dtype=torch.bfloat16) if args.mode == "bf16" else contextlib.nullcontext()
    model = load_model(args.model)
    content, content2, style = (image(args.inputs, n, args.size) for n in ("content", "content2", "style"))
    generator = torch.Generator().manual_seed(6666)

    def full(c):
        # The output clamped and quantised to 8 bits, as the SDK returns it.
        out = model(c, style, generator=generator)
        return (out.float().clamp(0, 1) * 255).round().to(torch.uint8)

    with torch.no_grad(), precision:
        first = timed(lambda: full(content))
        warm = [timed(lambda: full(content)) for _ in range(args.repeats)]
        sf = model.encoder(style)

        def cached_run(c):
            out = model.stylize_features(model.encoder(c), sf, generator=generator)[0]
            (out.float().clamp(0, 1) * 255).round().to(torch.uint8)

        cached_run(content2)
        cached = [timed(lambda i=i: cached_run(content2 if i % 2 == 0 else content)) for i in range(args.repeats)]
    print(json.dumps({
        "runtime": "torch" if args.mode == "fp32" else f"torch-{args.mode}",
        "size": args.size,
        "first": first,
        "warm": warm,
        "cached": cached,
        "warmMedian": statistics.median_low(warm),
        "cachedMedian": statistics.median_low(cached),
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
