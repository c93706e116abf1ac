"""The PyTorch reference for the benchmark: tools/pysrc's ImageModel on the same weights and inputs.

    PYTHONPATH=tools/pysrc /usr/bin/python3 tools/bench/torch_reference.py --model <dir> --inputs <dir> --size 512

Prints one JSON line like sdk-worker.mjs. Sampled attention as the official code (torch RNG, seed 6666),
2 threads, no_grad, float32. The "cached" case encodes the style once and reuses its features, as the SDK's
encodeStyle does (the official code has no such path; this is the fair comparison).
"""
import argparse
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
        state = safetensors_io.load(os.path.join(model_dir, f"{name}.safetensors"))
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
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.model)
    content, content2, style = (image(args.inputs, n, args.size) for n in ("content", "content2", "style"))
    generator = torch.Generator().manual_seed(6666)

    def full(c):
        # The output clamped and quantised to 8 bits, as the SDK returns it.
        out = model(c, style, generator=generator)
        (out.clamp(0, 1) * 255).round().to(torch.uint8)

    with torch.no_grad():
        first = timed(lambda: full(content))
        warm = [timed(lambda: full(content)) for _ in range(args.repeats)]
        sf = model.encoder(style)

        def cached_run(c):
            out = model.stylize_features(model.encoder(c), sf, generator=generator)[0]
            (out.clamp(0, 1) * 255).round().to(torch.uint8)

        cached_run(content2)
        cached = [timed(lambda i=i: cached_run(content2 if i % 2 == 0 else content)) for i in range(args.repeats)]
    print(json.dumps({
        "runtime": "torch",
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
