"""The strength measures of a model over the whole strength range, on the sample validation pairs (issue #16).

    PYTHONPATH=tools/pysrc /usr/bin/python3 tools/train/strength_curve.py --bundle .bundle --model packages/model-image \
        [--endpoint tools/train/runs/endpoint1/image/export | --no-endpoint] [--strengths 0,0.25,0.5,0.75,1] [--size 192]

The model runs as the SDK runs it: when it has a strength endpoint W₀ (`--endpoint`, a folder with
strength.safetensors or an export whose parts W₀ is taken from; by default the model directory's own
strength.safetensors if it has one), the layers after the attention use W + (1 − α)(W₀ − W) at strength α
(packages/core/src/model/strength.ts), and below full strength the output's colour means are anchored toward the
photo's as the SDK does it (adaattn_torch/colour_anchor.py; `--no-colour-anchor` measures the model's own output,
what attach_strength.py records in model.json). Prints one JSON line per strength with the metrics of
tools/pysrc/adaattn_torch/metrics.py averaged over every (photo, painting) pair, then the seconds taken."""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import build_model, load_endpoint, stylize, trainable_parts, validation_pairs  # noqa: E402
from data import ImageBank  # noqa: E402
from adaattn_torch import metrics, safetensors_io  # noqa: E402
from adaattn_torch.model import state_at_strength  # noqa: E402
from adaattn_torch.colour_anchor import anchor_colour_means, anchor_weight  # noqa: E402


def load_at_strength(model, base, endpoint, alpha):
    """Loads the model's weights `base` ({part: state_dict}) with every endpoint key ("part.key") interpolated."""
    for name, part in trainable_parts(model).items():
        part.load_state_dict(state_at_strength(base[name], endpoint, name, alpha))


@torch.no_grad()
def curve(model, enc, val, strengths, base, endpoint, anchor=True):
    gen = torch.Generator()
    rows = []
    for a in strengths:
        load_at_strength(model, base, endpoint, a)
        gen.manual_seed(6666)
        sums, n = {}, 0
        for c, sb in validation_pairs(val, "cpu"):
            cf, sf = enc(c), enc(sb)
            out = stylize(model, cf, sf, gen, None if a == 1 else a).float()
            if anchor:
                out = anchor_colour_means(out, c.float(), anchor_weight(a))
            for k, v in metrics.report(out, enc(out), c, cf, sf).items():
                sums[k] = sums.get(k, 0.0) + float(v.sum())
            n += c.shape[0]
        rows.append({"strength": a, **{k: round(v / n, 4) for k, v in sums.items()}})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--model", required=True, help="folder with the trainable parts (a model package or an export)")
    ap.add_argument("--endpoint", help="strength endpoint folder (default: the model folder's own, if any)")
    ap.add_argument("--no-endpoint", action="store_true",
                    help="no strength endpoint: the layers after the attention keep W "
                         "(with --no-colour-anchor, the attention statistics alone)")
    ap.add_argument("--no-colour-anchor", action="store_true",
                    help="the model's own output, without the SDK's colour anchor below full strength")
    ap.add_argument("--variant", choices=("image", "video"), default="image")
    ap.add_argument("--strengths", default="0,0.25,0.5,0.75,1")
    ap.add_argument("--size", type=int, default=192)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    model, enc = build_model(args.variant, args.bundle, "cpu")
    model.eval()
    base = {name: safetensors_io.load_component(args.model, name) for name in trainable_parts(model)}
    folder = args.endpoint or args.model
    has_own = os.path.exists(os.path.join(folder, "strength.safetensors"))
    endpoint = {} if args.no_endpoint or not (args.endpoint or has_own) else load_endpoint(folder, args.variant)
    val = {k: ImageBank(os.path.join(args.bundle, "val", k), "cpu").stack(args.size) for k in ("content", "style")}
    t0 = time.time()
    for row in curve(model, enc, val, [float(x) for x in args.strengths.split(",")], base, endpoint, not args.no_colour_anchor):
        print(json.dumps(row), flush=True)
    print(json.dumps({"endpoint": folder if endpoint else None, "colourAnchor": not args.no_colour_anchor,
                      "seconds": round(time.time() - t0, 1)}), flush=True)


if __name__ == "__main__":
    main()
