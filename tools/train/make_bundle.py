"""Build the compact training bundle: the channel-normalised encoder (float16) and downsized training and
validation images. The bundle is what travels to a GPU machine (≤ 64 MiB); it is derived from ../shared, so
it lives in the git-ignored .bundle/ and is never committed.

    /usr/bin/python3 tools/train/make_bundle.py --out .bundle [--content 700 --style 400 --side 320]
"""
import argparse
import hashlib
import io
import json
import os
import sys

import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pysrc"))
from adaattn_torch import safetensors_io  # noqa: E402
from adaattn_torch.normalise import normalise_encoder  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.path.join(REPO, "..", "shared")
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".webp")


def shared_path(*parts):
    p = os.path.join(SHARED, *parts)
    if not os.path.exists(p):
        sys.exit(f"make_bundle: {p} not found — the read-only ../shared folder must sit beside the repository")
    return p


def list_images(folder):
    return sorted(f for f in os.listdir(folder) if f.lower().endswith(IMAGE_EXT))


def evenly(items, n):
    """n items spread evenly over the sorted list (deterministic, covers every source set)."""
    if n >= len(items):
        return list(items)
    return [items[(i * len(items)) // n] for i in range(n)]


def load_rgb(path, short_side):
    img = Image.open(path)
    img = img.convert("RGB")
    w, h = img.size
    s = short_side / min(w, h)
    return img.resize((max(short_side, round(w * s)), max(short_side, round(h * s))), Image.BICUBIC)


def to_tensor(img):
    import numpy as np
    return torch.from_numpy(np.asarray(img, dtype="float32") / 255.0).permute(2, 0, 1).unsqueeze(0)


def write_images(names, src, dst, side, quality):
    os.makedirs(dst, exist_ok=True)
    total = 0
    for name in names:
        buf = io.BytesIO()
        load_rgb(os.path.join(src, name), side).save(buf, "JPEG", quality=quality, optimize=True)
        out = os.path.splitext(name)[0] + ".jpg"
        with open(os.path.join(dst, out), "wb") as f:
            f.write(buf.getvalue())
        total += buf.tell()
    return total


def center_crop(img, size):
    w, h = img.size
    left, top = (w - size) // 2, (h - size) // 2
    return img.crop((left, top, left + size, top + size))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, ".bundle"))
    ap.add_argument("--content", type=int, default=700, help="number of training photos")
    ap.add_argument("--style", type=int, default=400, help="number of training artworks")
    ap.add_argument("--side", type=int, default=320, help="short side of the stored training images")
    ap.add_argument("--quality", type=int, default=85)
    ap.add_argument("--norm-images", type=int, default=48, help="photos used to measure channel means")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    os.makedirs(args.out, exist_ok=True)

    train = shared_path("data", "train")
    contents, styles = list_images(os.path.join(train, "content")), list_images(os.path.join(train, "style"))

    # 1. Channel-normalised encoder, stored in float16: what we train with is exactly what we ship.
    vgg = safetensors_io.load(shared_path("models", "vgg19", "vgg19-relu5_1.safetensors"))
    norm_names = evenly(contents, args.norm_images)
    batches = [to_tensor(center_crop(load_rgb(os.path.join(train, "content", n), 256), 256)) for n in norm_names]
    state, means = normalise_encoder(vgg, batches)
    enc16 = {k: v.half() for k, v in state.items()}
    safetensors_io.save(enc16, os.path.join(args.out, "encoder.safetensors"),
                        metadata={"source": "shared/models/vgg19/vgg19-relu5_1.safetensors",
                                  "normalisation": f"channel means over {len(norm_names)} training photos, 256px"})

    # 2. Training images (short side `side`) and the validation pairs from data/samples (256 px, centre crop).
    nbytes = write_images(evenly(contents, args.content), os.path.join(train, "content"),
                          os.path.join(args.out, "content"), args.side, args.quality)
    nbytes += write_images(evenly(styles, args.style), os.path.join(train, "style"),
                           os.path.join(args.out, "style"), args.side, args.quality + 5)
    samples = shared_path("data", "samples")
    for kind in ("content", "style"):
        nbytes += write_images(list_images(os.path.join(samples, kind)), os.path.join(samples, kind),
                               os.path.join(args.out, "val", kind), 256, 95)

    with open(os.path.join(train, "MANIFEST.csv"), "rb") as f:
        manifest_sha = hashlib.sha256(f.read()).hexdigest()
    info = {"content": args.content, "style": args.style, "side": args.side, "quality": args.quality,
            "normImages": len(norm_names), "manifestSha256": manifest_sha, "imageBytes": nbytes,
            "channelMeans": {str(k): [round(float(x), 6) for x in v] for k, v in means.items()}}
    with open(os.path.join(args.out, "bundle.json"), "w") as f:
        json.dump(info, f)
    print(f"bundle in {args.out}: encoder {os.path.getsize(os.path.join(args.out, 'encoder.safetensors')) / 1e6:.1f} MB, "
          f"images {nbytes / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
