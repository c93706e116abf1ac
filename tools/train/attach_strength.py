"""Attach a trained strength endpoint to a model directory (issue #16): copy its strength.safetensors in and
describe it in model.json as `strength` (file, size, sha256, and the provenance of every training stage that led
to it), keeping the rest of model.json byte for byte. The SDK then moves the layers after the attention with the
strength (packages/core/src/model/strength.ts).

    /usr/bin/python3 tools/train/attach_strength.py --model packages/model-image \
        --endpoint tools/train/runs/endpoint1/image/export \
        --stages tools/train/runs/strength1/image/export,tools/train/runs/strength2/image/export,... \
        [--curve docs/training/image-strength-curve.jsonl]

`--stages` are the exports whose weights W₀ was first taken from (oldest first), each with its training.json;
`--curve` is the output of strength_curve.py for the result, stored as its validation."""
import argparse
import hashlib
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_json_text import with_top_level  # noqa: E402

FILE = "strength.safetensors"
STAGE_KEYS = ("init", "endpoint_init", "batch", "crop", "lr", "constant_frac", "seed", "p_full", "p_zero",
              "strength_sampling", "strength_endpoint",
              "lambda_global", "lambda_local", "lambda_zero_pixel", "lambda_zero_colour", "lambda_id_pixel",
              "lambda_id_feat", "identity_batch")


def stage(folder):
    with open(os.path.join(folder, "training.json")) as f:
        info = json.load(f)
    config = {k: info["config"][k] for k in STAGE_KEYS if info["config"].get(k) not in (None, 0, 0.0, False, "")}
    v = info.get("validation", {})
    val = {k: round(v[k], 4) for k in ("total", "psnr@0", "colourShift@0", "styleRatio@0.5", "styleRatio@1", "contentRatio@1")
           if k in v}
    return {"run": os.path.relpath(folder), "iterations": info["iterations"], "device": info["device"],
            "trainSeconds": info["trainSeconds"], "config": config, "validation": val}


def stored_dtype(data):
    """The one dtype of a safetensors file's tensors, as model.json names it."""
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    dtypes = {v["dtype"] for k, v in header.items() if k != "__metadata__"}
    names = {"F16": "float16", "F32": "float32"}
    if len(dtypes) != 1 or next(iter(dtypes)) not in names:
        sys.exit(f"{FILE}: tensors must all be F16 or all F32, found {sorted(dtypes)}")
    return names[dtypes.pop()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--endpoint", required=True, help="export folder with strength.safetensors and training.json")
    ap.add_argument("--stages", default="", help="comma-separated earlier exports W₀ started from, oldest first")
    ap.add_argument("--curve", help="strength_curve.py output (JSON lines) for the attached model")
    ap.add_argument("--note", help="free text kept in the provenance (e.g. how the stages chain)")
    args = ap.parse_args()
    src = os.path.join(args.endpoint, FILE)
    with open(src, "rb") as f:
        data = f.read()
    shutil.copyfile(src, os.path.join(args.model, FILE))
    stages = [stage(s) for s in args.stages.split(",") if s] + [stage(args.endpoint)]
    provenance = {"method": "W(α) = W + (1 − α)(W₀ − W) for the merge conv and decoder; W₀ trained with W frozen "
                            "(tools/train/train.py --strength-endpoint; tools/train/README.md)",
                  "data": "shared/data/train (content × style)", "stages": stages}
    if args.note:
        provenance["note"] = args.note
    if args.curve:
        with open(args.curve) as f:
            provenance["validation"] = [json.loads(line) for line in f if '"strength"' in line]
    block = json.dumps({"file": {"path": FILE, "dtype": stored_dtype(data), "bytes": len(data),
                                 "sha256": hashlib.sha256(data).hexdigest()}, "provenance": provenance},
                       indent=2, ensure_ascii=False).replace("\n", "\n  ")
    manifest = os.path.join(args.model, "model.json")
    with open(manifest) as f:
        text = f.read()
    with open(manifest, "w") as f:
        f.write(with_top_level(text, "strength", block))
    print(f"attach_strength: {FILE} ({len(data)} bytes, {len(stages)} stages) → {args.model}", file=sys.stderr)


if __name__ == "__main__":
    main()
