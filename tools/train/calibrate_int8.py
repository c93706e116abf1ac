"""Calibrate a model directory for int8 convolutions (issue #15, `precision: 'int8'`): run the float32 model on
content × style pairs from the training data, record the range of every quantized 3×3 convolution's input and
output, and write them into the directory's model.json as `int8` (the SDK's ONNX Runtime backend then runs those
layers as QLinearConv). Retraining invalidates the ranges: export_model.py writes model.json without them.

    /usr/bin/python3 tools/train/calibrate_int8.py --model packages/model-image [--pairs 16] [--size 512] \
        [--percentile 99.99] [--out <model.json>]

Which layers: every 3×3 convolution with at least MIN_INPUT_CHANNELS input channels, i.e. all but VGG's first
(3 → 64 on the colour-normalised image: little work, and the one layer whose input is the picture itself).

A range end is the given percentile of the values of each calibration image (both tails for a signed tensor),
the largest over the images: max would spend the 256 levels on rare outliers. A ReLU convolution's output
range starts at 0 (the SDK clamps there: that is its ReLU).
"""
import argparse
import csv
import json
import os
import random
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pysrc"))
from adaattn_torch import safetensors_io  # noqa: E402
from adaattn_torch.model import ImageModel, VideoModel  # noqa: E402
from model_json_text import with_top_level  # noqa: E402

MIN_INPUT_CHANNELS = 32
# The 3×3 convolutions without a ReLU after them (packages/core/src/architecture.ts): the merge of the deep
# levels and each decoder's last layer.
NO_RELU = {"merge_conv", "decoder_layer_2.24", "decoder.24"}
# Values sampled per tensor for its percentiles (torch.quantile takes at most 2^24).
SAMPLE = 1 << 20

PARTS = {
    "image": (ImageModel, {"encoder": "encoder", "transformer": "transformer", "adaattn_3": "adaattn3",
                           "decoder": "decoder"}),
    "video": (VideoModel, {"encoder": "encoder", "adaattn_3": "adaattn3", "decoder": "decoder"}),
}


def load_model(model_dir, variant):
    make, parts = PARTS[variant]
    model = make()
    for attr, component in parts.items():
        getattr(model, attr).load_state_dict(safetensors_io.load_component(model_dir, component))
    return model.eval()


def quantized_convs(model):
    """{SDK layer key: module} for the layers to quantize; keys are checkpoint prefixes within a component."""
    convs = {}
    for attr in ("encoder", "transformer", "decoder"):
        part = getattr(model, attr, None)
        if part is None:
            continue
        for name, module in part.named_modules():
            if isinstance(module, torch.nn.Conv2d) and module.kernel_size == (3, 3) \
                    and module.in_channels >= MIN_INPUT_CHANNELS:
                convs[name] = module
    return convs


def tails(x, q, generator):
    flat = x.detach().float().flatten()
    if flat.numel() > SAMPLE:
        flat = flat[torch.randint(flat.numel(), (SAMPLE,), generator=generator)]
    lo, hi = torch.quantile(flat, torch.tensor([1 - q, q])).tolist()
    return min(lo, 0.0), max(hi, 0.0)


def image(path, size):
    img = Image.open(path).convert("RGB")
    scale = size / min(img.size)
    img = img.resize((max(size, round(img.width * scale)), max(size, round(img.height * scale))), Image.BICUBIC)
    left, top = (img.width - size) // 2, (img.height - size) // 2
    arr = np.asarray(img.crop((left, top, left + size, top + size)), dtype=np.float32) / 255
    return torch.from_numpy(arr).permute(2, 0, 1).unsqueeze(0).contiguous()


def training_pairs(data, count, seed):
    """`count` (content, style) paths from the training data's manifest, drawn with `seed`."""
    with open(os.path.join(data, "MANIFEST.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    by_kind = {kind: sorted(os.path.join(data, r["file"]) for r in rows if r["category"] == kind)
               for kind in ("content", "style")}
    rng = random.Random(seed)
    return list(zip(rng.sample(by_kind["content"], count), rng.sample(by_kind["style"], count)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="model directory (model.json + safetensors)")
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data", "train"))
    ap.add_argument("--pairs", type=int, default=16)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--percentile", type=float, default=99.99)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", help="model.json to write (default: the model directory's own)")
    args = ap.parse_args()
    if not os.path.isdir(args.data):
        sys.exit(f"calibrate_int8: training data not found at {args.data} (../shared/data/train beside the repo)")
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)

    manifest = os.path.join(args.model, "model.json")
    with open(manifest) as f:
        config = json.load(f)
    model = load_model(args.model, config["variant"])
    convs = quantized_convs(model)
    q = args.percentile / 100
    generator = torch.Generator().manual_seed(args.seed)
    seen = {key: {"input": [0.0, 0.0], "output": [0.0, 0.0]} for key in convs}

    def widen(key, which, x):
        lo, hi = tails(x, q, generator)
        r = seen[key][which]
        r[0], r[1] = min(r[0], lo), max(r[1], hi)

    def observe(key):
        def hook(_module, inputs, output):  # returns None: the output stays as it is
            widen(key, "input", inputs[0])
            widen(key, "output", output)
        return hook

    for key, module in convs.items():
        module.register_forward_hook(observe(key))
    pairs = training_pairs(args.data, args.pairs, args.seed)
    with torch.no_grad():
        for i, (content, style) in enumerate(pairs):
            model(image(content, args.size), image(style, args.size),
                  generator=torch.Generator().manual_seed(config["architecture"]["seed"]))
            print(f"calibrate_int8: pair {i + 1}/{len(pairs)}", file=sys.stderr)

    layers = {}
    for key, r in seen.items():
        out_lo = r["output"][0] if key in NO_RELU else 0.0
        layers[key] = {"input": [round(r["input"][0], 6) + 0.0, round(r["input"][1], 6)],
                       "output": [round(out_lo, 6) + 0.0, round(r["output"][1], 6)]}
    provenance = {"tool": "tools/train/calibrate_int8.py", "pairs": len(pairs), "size": args.size,
                  "percentile": args.percentile, "seed": args.seed,
                  "data": "shared/data/train (content × style, drawn with the seed)"}
    out = args.out or manifest
    with open(manifest) as f:
        text = f.read()
    with open(out, "w") as f:
        f.write(with_int8(text, layers, provenance))
    print(f"calibrate_int8: {len(layers)} layers → {out}", file=sys.stderr)


def with_int8(text, layers, provenance):
    """model.json's text with `int8` as its last key, a layer per line; the rest of the text kept byte for byte."""
    rows = ",\n".join(f'      {json.dumps(key)}: {{ "input": {json.dumps(r["input"])}, "output": {json.dumps(r["output"])} }}'
                      for key, r in layers.items())
    return with_top_level(text, "int8", f'{{\n    "layers": {{\n{rows}\n    }},\n'
                                        f'    "provenance": {json.dumps(provenance, ensure_ascii=False)}\n  }}')

if __name__ == "__main__":
    main()
