"""Training images held in memory as uint8 tensors, with the random crops the paper trains on.

Every random draw comes from a torch.Generator passed in by the caller, so a checkpoint that saves that
generator's state resumes with exactly the same batches."""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def _read(path):
    with Image.open(path) as img:
        return torch.from_numpy(np.asarray(img.convert("RGB"), dtype=np.uint8).copy()).permute(2, 0, 1)


def _randint(gen, low, high):
    """Uniform integer in [low, high]."""
    return low + int(torch.randint(high - low + 1, (1,), generator=gen))


def _resize(img, h, w):
    x = img.unsqueeze(0).float() / 255.0
    if (h, w) == tuple(x.shape[-2:]):
        return x
    return F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=True).clamp_(0, 1)


def _scaled(img, short_side):
    h, w = img.shape[-2:]
    s = short_side / min(h, w)
    return _resize(img, max(short_side, round(h * s)), max(short_side, round(w * s)))


class ImageBank:
    def __init__(self, folder, device):
        names = sorted(f for f in os.listdir(folder) if f.lower().endswith((".jpg", ".jpeg", ".png")))
        if not names:
            raise SystemExit(f"no images in {folder}")
        with ThreadPoolExecutor(max(1, min(16, os.cpu_count() or 1))) as pool:
            self.images = [t.to(device) for t in pool.map(_read, [os.path.join(folder, n) for n in names])]
        self.names = names

    def __len__(self):
        return len(self.images)

    def pick(self, gen):
        return self.images[int(torch.randint(len(self.images), (1,), generator=gen))]

    def batch(self, n, crop, gen):
        """n random crops: short side rescaled to a random size in [crop, stored short side], random position,
        random horizontal flip."""
        out = []
        for _ in range(n):
            img = self.pick(gen)
            short = min(img.shape[-2:])
            x = _scaled(img, _randint(gen, crop, max(crop, short)))
            top = _randint(gen, 0, x.shape[-2] - crop)
            left = _randint(gen, 0, x.shape[-1] - crop)
            x = x[..., top:top + crop, left:left + crop]
            if _randint(gen, 0, 1):
                x = x.flip(-1)
            out.append(x)
        return torch.cat(out)

    def stack(self, size):
        """Every image, short side `size`, centre crop size×size: the fixed validation batch."""
        out = []
        for img in self.images:
            x = _scaled(img, size)
            top, left = (x.shape[-2] - size) // 2, (x.shape[-1] - size) // 2
            out.append(x[..., top:top + size, left:left + size])
        return torch.cat(out)


def frame_pair(bank, n, crop, gen, max_shift=8, max_zoom=0.05):
    """Two 'video frames' from each photo: crop B is crop A moved by up to `max_shift` px and zoomed by up to
    ±`max_zoom` (there is no video data here; this stands in for camera motion between frames)."""
    fa, fb = [], []
    margin = max_shift + int(crop * max_zoom) + 2
    for _ in range(n):
        img = bank.pick(gen)
        short = min(img.shape[-2:])
        x = _scaled(img, _randint(gen, crop + 2 * margin, max(crop + 2 * margin, short)))
        h, w = x.shape[-2:]
        size_b = round(crop * (1 + (float(torch.rand(1, generator=gen)) * 2 - 1) * max_zoom))
        top = _randint(gen, margin, h - crop - margin)
        left = _randint(gen, margin, w - crop - margin)
        tb = min(max(0, top + _randint(gen, -max_shift, max_shift)), h - size_b)
        lb = min(max(0, left + _randint(gen, -max_shift, max_shift)), w - size_b)
        a = x[..., top:top + crop, left:left + crop]
        b = F.interpolate(x[..., tb:tb + size_b, lb:lb + size_b], size=(crop, crop), mode="bilinear",
                          align_corners=False)
        if _randint(gen, 0, 1):
            a, b = a.flip(-1), b.flip(-1)
        fa.append(a)
        fb.append(b.clamp(0, 1))
    return torch.cat(fa), torch.cat(fb)
