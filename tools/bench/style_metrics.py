"""Style and content measures of stylized images (tools/pysrc/adaattn_torch/metrics.py, the ones the training
tool reports), for outputs written by the SDK: int8-quality.mjs calls it. One JSON line per output.

    PYTHONPATH=tools/pysrc /usr/bin/python3 tools/bench/style_metrics.py --model packages/model-image \
        --pairs pairs.json

pairs.json: [{"content": "c.png", "style": "s.png", "outputs": {"float32": "a.png", "int8": "b.png"}}, …];
content, style and outputs of one pair share one size (the content ratio compares feature maps).
"""
import argparse
import json

import numpy as np
import torch
from PIL import Image

from adaattn_torch import metrics, safetensors_io
from adaattn_torch.model import Encoder


def pixels(path):
    arr = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255
    return torch.from_numpy(arr).permute(2, 0, 1).unsqueeze(0).contiguous()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--pairs", required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    enc = Encoder(5)
    enc.load_state_dict({k: v for k, v in safetensors_io.load_component(args.model, "encoder").items()
                         if int(k.split(".")[0]) <= 42})
    enc.eval()
    with open(args.pairs) as f:
        pairs = json.load(f)
    with torch.no_grad():
        for pair in pairs:
            c, s = pixels(pair["content"]), pixels(pair["style"])
            cf, sf = enc(c), enc(s)
            row = {"content": pair["content"], "style": pair["style"]}
            for name, path in pair["outputs"].items():
                out = pixels(path)
                of = enc(out)
                row[name] = {"styleRatio": metrics.style_distance_ratio(of, cf, sf).item(),
                             "contentRatio": metrics.content_distance_ratio(of, cf, sf).item()}
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
