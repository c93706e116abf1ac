"""Train the AdaAttN image model or video model with the paper's losses (docs/MODEL.md §9).

    PYTHONPATH=tools/pysrc /usr/bin/python3 tools/train/train.py --bundle .bundle --out runs/image \
        --variant image --iters 20000

Resumable: `--out` holds checkpoint.pt (model, Adam, iteration, every RNG state); rerunning the same command
continues exactly where it stopped. Every checkpoint also validates on the sample pairs (same losses),
exports float16 weights under export/, and draws a sample grid. See tools/train/README.md.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pysrc"))
from adaattn_torch import safetensors_io  # noqa: E402
from adaattn_torch import metrics  # noqa: E402
from adaattn_torch.losses import (blend_targets, global_style_loss, identity_losses,  # noqa: E402
                                  image_similarity_loss, local_feature_loss, local_feature_targets)
from adaattn_torch.model import ImageModel, VideoModel, init_official, toward_endpoint  # noqa: E402

from data import ImageBank, frame_pair  # noqa: E402
from report import sample_grid  # noqa: E402


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", required=True, help="folder made by make_bundle.py")
    ap.add_argument("--out", required=True, help="run folder: checkpoint, logs, exports")
    ap.add_argument("--variant", choices=("image", "video"), default="image")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-4, help="the authors' scripts use 2e-4 (the paper says 1e-4)")
    ap.add_argument("--constant-frac", type=float, default=0.4,
                    help="share of iterations at full lr before linear decay to 0 (authors: 2 of 5 epochs)")
    ap.add_argument("--iters", type=int, default=20000, help="total iterations (unless --time-budget)")
    ap.add_argument("--time-budget", type=float, default=0,
                    help="seconds for this invocation: checkpoint and stop in time (rerun to resume)")
    ap.add_argument("--fit-iters-to-budget", action="store_true",
                    help="one-shot runs: after a warm-up, set the total iterations to what fits the budget")
    ap.add_argument("--session-iters", type=int, default=0,
                    help="run at most this many iterations now, then checkpoint and stop (rerun to resume)")
    ap.add_argument("--reserve", type=float, default=25, help="seconds kept for the final checkpoint")
    ap.add_argument("--ckpt-every", type=int, default=500, help="iterations between checkpoints")
    ap.add_argument("--log-every", type=int, default=25)
    ap.add_argument("--lambda-global", type=float, default=10.0)
    ap.add_argument("--lambda-local", type=float, default=3.0)
    ap.add_argument("--lambda-is", type=float, default=100.0)
    ap.add_argument("--strength-sampling", action="store_true",
                    help="sample the strength α per sample (α = 1 with --p-full, 0 with --p-zero, else uniform) and "
                         "blend the loss targets as --strength blends the statistics (issue #16)")
    ap.add_argument("--p-full", type=float, default=0.35, help="share of samples trained at α = 1")
    ap.add_argument("--p-zero", type=float, default=0.2, help="share of samples trained at α = 0")
    ap.add_argument("--lambda-zero-pixel", type=float, default=0.0,
                    help="pixel MSE between the α = 0 output and the photo (weighted by (1 − α)² for the others)")
    ap.add_argument("--lambda-id-pixel", type=float, default=0.0,
                    help="identity loss, pixels: a photo stylized with itself, and a painting with itself")
    ap.add_argument("--lambda-zero-colour", type=float, default=0.0,
                    help="MSE of the output's channel means to the photo's, weighted by (1 − α)²")
    ap.add_argument("--strength-endpoint", action="store_true",
                    help="train only W₀, the α → 0 endpoint of the strength-interpolated weights W + (1 − α)(W₀ − W) "
                         "of the decoder (and the image model's merge conv); W (--init) stays frozen, so full "
                         "strength is exactly the model. One α per batch. Exports strength.safetensors")
    ap.add_argument("--endpoint-init", help="folder to start W₀ from: its strength.safetensors, or an export's parts")
    ap.add_argument("--lambda-id-feat", type=float, default=0.0, help="identity loss, encoder features relu1_1…5_1")
    ap.add_argument("--identity-batch", type=int, default=2,
                    help="photos and paintings (each) of the batch that also run the identity pass")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--amp", choices=("auto", "bf16", "off"), default="auto",
                    help="bf16 autocast for convolutions (attention and statistics stay float32); auto = on CUDA, "
                         "and on CPUs with AVX512-BF16 (measured 1.6x faster here, tools/train/README.md)")
    ap.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=True,
                    help="NHWC memory format for the convolutions (faster on both CPU and GPU here)")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--flush-denormal", action=argparse.BooleanOptionalAction, default=True,
                    help="flush subnormal floats to zero on the CPU: the near-one-hot attention is full of them and "
                         "Intel cores handle them in microcode (iteration timings in tools/train/README.md)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", help="folder with transformer/adaattn3/decoder.safetensors (an export/ or a model "
                    "directory such as packages/model-image) to start from instead of N(0, 0.02)")
    ap.add_argument("--val-crop", type=int, default=0,
                    help="validation image size (default: --crop); keep it fixed to compare runs of other crops")
    ap.add_argument("--grid-size", type=int, default=160)
    ap.add_argument("--measure", type=int, default=0,
                    help="timing only: run 1 warm-up + N iterations, print seconds per iteration, write nothing")
    return ap.parse_args(argv)


# --- setup ------------------------------------------------------------------------------------------------

def build_model(variant, bundle, device):
    model = ImageModel() if variant == "image" else VideoModel()
    loss_encoder = ImageModel().encoder if variant == "video" else model.encoder
    enc_state = safetensors_io.load(os.path.join(bundle, "encoder.safetensors"))
    for enc in {id(model.encoder): model.encoder, id(loss_encoder): loss_encoder}.values():
        enc.load_state_dict({k: v for k, v in enc_state.items() if int(k.split(".")[0]) in enc.indices})
        enc.requires_grad_(False)
    torch.manual_seed(0)  # the init is part of the run's identity; data and sampling RNGs are separate
    for part in trainable_parts(model).values():
        init_official(part)
    return model.to(device), loss_encoder.to(device)


def trainable_parts(model):
    if isinstance(model, ImageModel):
        return {"transformer": model.transformer, "adaattn3": model.adaattn_3, "decoder": model.decoder}
    return {"adaattn3": model.adaattn_3, "decoder": model.decoder}


def lr_at(args, it, total):
    flat = int(total * args.constant_frac)
    if it < flat:
        return args.lr
    return args.lr * max(0.0, 1.0 - (it - flat) / max(1, total - flat))


# --- one training step per variant ------------------------------------------------------------------------

def stylize(model, cf, sf, gen, strength=None):
    """Pixels from encoder features, for either variant (the video model reads relu1_1…relu3_1 only). A model
    with a strength gate (--strength-endpoint) first takes the weights of that strength."""
    gate = getattr(model, "strength_gate", None)
    if gate is not None:
        gate.set_strength(strength)
    if isinstance(model, ImageModel):
        return model.stylize_features(cf, sf, generator=gen, strength=strength)[0]
    return model.stylize_features(cf[:3], sf[:3], generator=gen, strength=strength)


def sample_strength(n, gen, args, device):
    """One α per sample, N×1×1×1: 1 with probability p_full, 0 with p_zero, else uniform in (0, 1). With
    --strength-endpoint, one α for the whole batch (the weights depend on it) and never 1 (W₀ gets no gradient)."""
    if args.strength_endpoint:
        u, a = torch.rand(2, generator=gen).tolist()
        return torch.full((n, 1, 1, 1), 0.0 if u < args.p_zero else a, device=device)
    u = torch.rand(n, generator=gen)
    a = torch.rand(n, generator=gen)
    a = torch.where(u < args.p_full, torch.ones_like(a), torch.where(u < args.p_full + args.p_zero, torch.zeros_like(a), a))
    return a.view(n, 1, 1, 1).to(device)


def training_extras(args, gen, device):
    """The issue-#16 inputs of one training step: a strength per sample and the identity pass's size."""
    alpha = sample_strength(args.batch, gen, args, device) if args.strength_sampling or args.strength_endpoint \
        else None
    return {"alpha": alpha, "identity_k": min(args.identity_batch, args.batch)}


def style_terms(lam, c, cf, sf, of, out, targets, alpha):
    """The paper's global and local losses; with a strength α (None: full strength, as the paper trains), against
    the targets blended by α, plus the pixel term that asks α = 0 for the photo itself."""
    if alpha is not None:
        targets = blend_targets(targets, cf, alpha)
    parts = {"global": lam["global"] * global_style_loss(of, sf, cf, alpha),
             "local": lam["local"] * local_feature_loss(of, targets)}
    if alpha is not None and lam["zero_pixel"]:
        w = (1 - alpha).pow(2)
        parts["zeroPixel"] = lam["zero_pixel"] * (w * (out.float() - c.float()).pow(2)).mean()
    if alpha is not None and lam["zero_colour"]:
        w = (1 - alpha).view(-1, 1).pow(2)
        parts["zeroColour"] = lam["zero_colour"] * (w * (out.float().mean((2, 3)) - c.float().mean((2, 3))).pow(2)).mean()
    return parts


def identity_terms(model, enc, c, s, cf, sf, gen, lam, k):
    """SANet's identity losses on k photos and k paintings: each stylized with itself should come back."""
    if not (lam["id_pixel"] or lam["id_feat"]) or k <= 0:
        return {}
    imgs = torch.cat((c[:k], s[:k]))
    feats = [torch.cat((a[:k], b[:k])) for a, b in zip(cf, sf)]
    out = stylize(model, feats, feats, gen)
    pixel, feat = identity_losses(out, imgs, enc(out), feats)
    return {"idPixel": lam["id_pixel"] * pixel, "idFeat": lam["id_feat"] * feat}


def image_losses(model, enc, c, s, gen, lam, alpha=None, identity_k=0):
    with torch.no_grad():
        cf, sf = enc(c), enc(s)
        targets = local_feature_targets(cf, sf, gen)
    out = stylize(model, cf, sf, gen, alpha)
    of = enc(out)
    parts = style_terms(lam, c, cf, sf, of, out, targets, alpha)
    parts.update(identity_terms(model, enc, c, s, cf, sf, gen, lam, identity_k))
    return parts, out


def video_losses(model, enc, frames, s, gen, lam, alpha=None, identity_k=0):
    fa, fb = frames
    with torch.no_grad():
        cfa, cfb, sf = enc(fa), enc(fb), enc(s)
        targets = local_feature_targets(cfa, sf, gen)
    outa = stylize(model, cfa, sf, gen, alpha)
    outb = stylize(model, cfb, sf, gen, alpha)
    ofa, ofb = enc(outa), enc(outb)
    parts = style_terms(lam, fa, cfa, sf, ofa, outa, targets, alpha)
    parts["is"] = lam["is"] * image_similarity_loss(cfa[3], cfb[3], ofa[3], ofb[3])
    parts.update(identity_terms(model, enc, fa, s, cfa, sf, gen, lam, identity_k))
    return parts, outa


# --- validation, export, checkpoints ----------------------------------------------------------------------

VAL_STRENGTHS = (0.0, 0.5, 1.0)


def validation_pairs(val, device, batch=4):
    """Every (sample photo, sample painting) pair, style by style, as (photos, the painting repeated) batches."""
    for si in range(len(val["style"])):
        s = val["style"][si:si + 1].to(device)
        for ci in range(0, len(val["content"]), batch):
            c = val["content"][ci:ci + batch].to(device)
            yield c, s.expand(c.shape[0], -1, -1, -1)


@torch.no_grad()
def validate(args, model, enc, val, device, amp):
    """Mean weighted losses over every (sample photo, sample painting) pair, with a fixed sampling seed: the
    paper's terms at full strength (their sum is `total`, comparable across every stage), then the strength
    measures of tools/pysrc/adaattn_torch/metrics.py at α = 0, 0.5 and 1 (issue #16)."""
    model.eval()
    gen = torch.Generator().manual_seed(6666)
    lam = paper_lambdas(args)
    totals, measures, n = {}, {}, 0
    for c, sb in validation_pairs(val, device):
        with amp():
            if args.variant == "image":
                parts, _ = image_losses(model, enc, c, sb, gen, lam)
            else:
                shifted = torch.roll(c, shifts=(4, 4), dims=(2, 3))  # a fixed small shift as the 2nd frame
                parts, _ = video_losses(model, enc, (c, shifted), sb, gen, lam)
            for k, v in strength_measures(model, enc, c, sb, gen).items():
                measures[k] = measures.get(k, 0.0) + float(v.float().sum())
        for k, v in parts.items():
            totals[k] = totals.get(k, 0.0) + float(v) * c.shape[0]
        n += c.shape[0]
    model.train()
    out = {k: v / n for k, v in totals.items()}
    out["total"] = sum(out.values())
    out.update({k: v / n for k, v in measures.items()})
    return out


def strength_measures(model, enc, c, s, gen):
    """Per-sample sums of the metrics at each validation strength, keyed like "psnr@0" or "styleRatio@0.5"."""
    cf, sf = enc(c), enc(s)
    out = {}
    for a in VAL_STRENGTHS:
        pixels = stylize(model, cf, sf, gen, None if a == 1 else a).float()
        m = metrics.report(pixels, enc(pixels), c, cf, sf)
        keys = ("psnr", "colourShift", "styleRatio") if a == 0 else ("styleRatio", "contentRatio") if a == 1 \
            else ("styleRatio",)
        out.update({f"{k}@{a:g}": m[k] for k in keys})
    self_out = stylize(model, cf, cf, gen).float()
    out["selfPsnr"] = metrics.psnr(self_out, c)
    return out


def export(args, model, out_dir, info):
    os.makedirs(out_dir, exist_ok=True)
    if args.strength_endpoint:
        export_endpoint(model, args.variant, out_dir)
        with open(os.path.join(out_dir, "training.json"), "w") as f:
            json.dump(info, f, indent=1)
        return
    for name, part in trainable_parts(model).items():
        state = {k: v.detach().float().cpu().half() for k, v in part.state_dict().items()}
        safetensors_io.save(state, os.path.join(out_dir, f"{name}.safetensors"))
    with open(os.path.join(out_dir, "training.json"), "w") as f:
        json.dump(info, f, indent=1)


def atomic_torch_save(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def cpu_has_bf16():
    try:
        with open("/proc/cpuinfo") as f:
            return "avx512_bf16" in f.read()
    except OSError:
        return False


def lambdas(args):
    return {"global": args.lambda_global, "local": args.lambda_local, "is": args.lambda_is,
            "zero_pixel": args.lambda_zero_pixel, "zero_colour": args.lambda_zero_colour, "id_pixel": args.lambda_id_pixel, "id_feat": args.lambda_id_feat}


def paper_lambdas(args):
    """Validation's comparable total: the paper's terms only, at full strength (as every earlier stage reported)."""
    return {**lambdas(args), "zero_pixel": 0.0, "zero_colour": 0.0, "id_pixel": 0.0, "id_feat": 0.0}


# --- the strength endpoint (issue #16) ----------------------------------------------------------------------

# What moves with strength, as (part, key prefix): the layers after the attention. The attention's own
# projections stay put, so a style's encoded keys and values serve every strength. packages/core states the
# same list in architecture.ts (`strengthLayers`) and refuses an endpoint file with other keys; tests/
# test_training.py checks that the shipped endpoints hold exactly these layers.
ENDPOINT_LAYERS = {"image": (("decoder", ""), ("transformer", "merge_conv.")), "video": (("decoder", ""),)}


class _TowardEndpoint(torch.nn.Module):
    """A parametrization: the stored tensor is W₀, the module sees W + (1 − α)(W₀ − W)."""

    def __init__(self, base, gate):
        super().__init__()
        # Persistent: a resumed run keeps the W it started against, whatever --init says then.
        self.register_buffer("base", base.detach().clone())
        self.gate = [gate]  # a list, so that the gate is not registered as a submodule of every parametrization

    def forward(self, w0):
        return toward_endpoint(self.base, w0, self.gate[0].alpha)


class StrengthGate:
    """Holds the α the endpoint layers use; `stylize` sets it from the strength it is given."""

    def __init__(self):
        self.alpha = 1.0

    def set_strength(self, strength):
        if strength is None:
            self.alpha = 1.0
        elif torch.is_tensor(strength):
            values = strength.flatten()
            assert bool((values == values[0]).all()), "--strength-endpoint needs one strength per batch"
            self.alpha = float(values[0])
        else:
            self.alpha = float(strength)


def endpoint_modules(model, variant):
    """{"part:key prefix of the module": conv} for every conv whose weights move with strength."""
    parts = trainable_parts(model)
    found = {}
    for part, prefix in ENDPOINT_LAYERS[variant]:
        for name, module in parts[part].named_modules():
            if isinstance(module, torch.nn.Conv2d) and (name + ".").startswith(prefix):
                found[f"{part}.{name}"] = module
    return found


def attach_strength_gate(model, variant, endpoint_init=None):
    """Freezes the model and makes each endpoint conv's weight and bias W + (1 − α)(W₀ − W); returns W₀'s tensors
    (the only trainable ones), starting from the model's own weights or from `endpoint_init`."""
    from torch.nn.utils import parametrize
    start = load_endpoint(endpoint_init, variant) if endpoint_init else {}
    gate = StrengthGate()
    model.requires_grad_(False)
    params = []
    for name, conv in endpoint_modules(model, variant).items():
        for attr in ("weight", "bias"):
            base = getattr(conv, attr).detach().clone()
            parametrize.register_parametrization(conv, attr, _TowardEndpoint(base, gate), unsafe=True)
            original = getattr(conv.parametrizations, attr).original
            original.data.copy_(start.get(f"{name}.{attr}", base))
            original.requires_grad_(True)
            params.append(original)
    model.strength_gate = gate
    return params


def load_endpoint(folder, variant):
    """W₀ as {"part.key": tensor} from a strength.safetensors, or taken from a full export's parts."""
    path = os.path.join(folder, "strength.safetensors")
    if os.path.exists(path):
        return safetensors_io.load(path)
    out = {}
    for part, prefix in ENDPOINT_LAYERS[variant]:
        out.update({f"{part}.{k}": v for k, v in safetensors_io.load_component(folder, part).items() if k.startswith(prefix)})
    return out


def export_endpoint(model, variant, out_dir):
    """strength.safetensors: W₀ of every endpoint conv, keyed "part.key" (float16)."""
    state = {}
    for name, conv in endpoint_modules(model, variant).items():
        for attr in ("weight", "bias"):
            state[f"{name}.{attr}"] = getattr(conv.parametrizations, attr).original.detach().float().cpu().half()
    safetensors_io.save(state, os.path.join(out_dir, "strength.safetensors"))


# --- main loop --------------------------------------------------------------------------------------------

def main(argv=None):
    args = parse_args(argv)
    t_start = time.time()
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if args.device == "auto" else args.device))
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.flush_denormal and device.type == "cpu":
        torch.set_flush_denormal(True)  # a no-op (returns False) on CPUs without SSE3
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    use_bf16 = args.amp == "bf16" or (args.amp == "auto" and (device.type == "cuda" or cpu_has_bf16()))
    amp = lambda: torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_bf16)  # noqa: E731
    os.makedirs(args.out, exist_ok=True)

    model, enc = build_model(args.variant, args.bundle, device)
    if args.init:
        for name, part in trainable_parts(model).items():
            part.load_state_dict(safetensors_io.load_component(args.init, name))
    if args.strength_endpoint:
        if args.strength_sampling or args.lambda_id_pixel or args.lambda_id_feat:
            sys.exit("--strength-endpoint trains below full strength only: drop --strength-sampling and the identity losses")
        params = attach_strength_gate(model, args.variant, args.endpoint_init)
    else:
        params = [p for part in trainable_parts(model).values() for p in part.parameters()]
    if args.channels_last:
        model.to(memory_format=torch.channels_last)
        enc.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(params, lr=args.lr, betas=(0.9, 0.999))

    gen_data = torch.Generator().manual_seed(args.seed)
    gen_attn = torch.Generator().manual_seed(args.seed + 1)
    start_it, total, history = 0, args.iters, []
    ckpt_path = os.path.join(args.out, "checkpoint.pt")
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location="cpu")
        for name, part in trainable_parts(model).items():
            # Endpoint checkpoints written before W was kept in them lack only the `.base` buffers: W then
            # comes from --init, as it did when they were written.
            missing, unexpected = part.load_state_dict(ck["model"][name], strict=False)
            if unexpected or any(not k.endswith(".base") for k in missing):
                sys.exit(f"{ckpt_path} does not match this run's model ({name}): missing {missing[:3]}, unexpected {unexpected[:3]}")
        opt.load_state_dict(ck["opt"])
        gen_data.set_state(ck["gen_data"])
        gen_attn.set_state(ck["gen_attn"])
        start_it, total, history = ck["it"], ck["total"], ck["history"]
        print(f"resumed at iteration {start_it}/{total}", flush=True)

    content = ImageBank(os.path.join(args.bundle, "content"), device)
    style = ImageBank(os.path.join(args.bundle, "style"), device)
    val = {k: ImageBank(os.path.join(args.bundle, "val", k), "cpu").stack(args.val_crop or args.crop) for k in ("content", "style")}
    with open(os.path.join(args.bundle, "bundle.json")) as f:
        bundle_info = json.load(f)
    lam = lambdas(args)
    print(f"{args.variant}: {len(content)} photos, {len(style)} artworks, device {device}, bf16 {use_bf16}, "
          f"setup {time.time() - t_start:.1f}s", flush=True)

    if args.measure:
        times = []
        for i in range(args.measure + 1):
            t0 = time.time()
            s = style.batch(args.batch, args.crop, gen_data)
            c = content.batch(args.batch, args.crop, gen_data)
            with amp():
                if args.channels_last:
                    c, s = c.contiguous(memory_format=torch.channels_last), s.contiguous(memory_format=torch.channels_last)
                extra = training_extras(args, gen_data, device)
                if args.variant == "image":
                    parts, _ = image_losses(model, enc, c, s, gen_attn, lam, **extra)
                else:
                    parts, _ = video_losses(model, enc, (c, c.roll(4, 3)), s, gen_attn, lam, **extra)
                loss = sum(parts.values())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            times.append(time.time() - t0)
        times = sorted(times[1:])
        print(json.dumps({"measure": args.variant, "batch": args.batch, "crop": args.crop, "bf16": use_bf16,
                          "channelsLast": args.channels_last, "threads": torch.get_num_threads(),
                          "secondsPerIteration": round(times[len(times) // 2], 2)}), flush=True)
        return

    log = open(os.path.join(args.out, "log.jsonl"), "a")
    t_warm = time.time()
    train_seconds = 0.0
    it = start_it
    running = {}

    def checkpoint(final=False):
        v = validate(args, model, enc, val, device, amp)
        history.append({"it": it, "val": v, "time": round(time.time() - t_start, 1)})
        info = {"variant": args.variant, "iterations": it, "plannedIterations": total,
                "config": {k: v for k, v in vars(args).items() if k not in ("bundle", "out")},
                "device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu",
                "torch": torch.__version__, "trainSeconds": round(train_seconds, 1),
                "validation": v, "history": history[-20:], "bundle": {k: bundle_info[k] for k in bundle_info
                                                                      if k != "channelMeans"}}
        export(args, model, os.path.join(args.out, "export"), info)
        atomic_torch_save({"model": {n: p.state_dict() for n, p in trainable_parts(model).items()},
                           "opt": opt.state_dict(), "gen_data": gen_data.get_state(), "gen_attn": gen_attn.get_state(),
                           "it": it, "total": total, "history": history}, ckpt_path)
        grid_strength = 0.0 if args.strength_endpoint else None  # the endpoint's grid shows what it trains
        grid_fn = (lambda c, s: stylize(model, enc(c), enc(s), torch.Generator().manual_seed(6666), grid_strength))
        with torch.no_grad(), amp():
            sample_grid(grid_fn, val, device, os.path.join(args.out, f"grid-{it:06d}.png"), args.grid_size)
        print(json.dumps({"checkpoint": it, "val": {k: round(x, 4) for k, x in v.items()}}), flush=True)

    while it < total:
        t0 = time.time()
        for g in opt.param_groups:
            g["lr"] = lr_at(args, it, total)
        s = style.batch(args.batch, args.crop, gen_data)
        with amp():
            if args.variant == "image":
                c = content.batch(args.batch, args.crop, gen_data)
                if args.channels_last:
                    c, s = c.contiguous(memory_format=torch.channels_last), s.contiguous(memory_format=torch.channels_last)
                parts, _ = image_losses(model, enc, c, s, gen_attn, lam, **training_extras(args, gen_data, device))
            else:
                frames = frame_pair(content, args.batch, args.crop, gen_data)
                parts, _ = video_losses(model, enc, frames, s, gen_attn, lam, **training_extras(args, gen_data, device))
            loss = sum(parts.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        it += 1
        if not math.isfinite(float(loss)):
            sys.exit(f"loss became {float(loss)} at iteration {it}: stopping without overwriting the checkpoint")
        for k, v in parts.items():
            running[k] = running.get(k, 0.0) + float(v)
        dt = time.time() - t0
        train_seconds += dt

        if it == start_it + 10:
            t_warm = time.time()  # the first iterations include cuDNN autotuning: time the ones after
        if args.fit_iters_to_budget and args.time_budget and it == start_it + 40:
            # Re-plan the run so that it ends inside the budget; the lr schedule follows the new total.
            per_it = (time.time() - t_warm) / 30
            left = args.time_budget - (time.time() - t_start) - args.reserve
            total = it + max(0, int(left / per_it * 0.95))
            print(f"{per_it * 1000:.0f} ms/iteration → planning {total} iterations", flush=True)
        if it % args.log_every == 0 or it == total:
            n = args.log_every if it % args.log_every == 0 else (it % args.log_every)
            rec = {"it": it, "lr": opt.param_groups[0]["lr"], "sPerIt": round(dt, 4),
                   **{k: round(v / n, 5) for k, v in running.items()}}
            log.write(json.dumps(rec) + "\n")
            log.flush()
            running = {}
            if it % (args.log_every * 8) == 0:
                print(json.dumps(rec), flush=True)
        stop_now = bool(args.time_budget and time.time() - t_start > args.time_budget - args.reserve) or \
            bool(args.session_iters and it - start_it >= args.session_iters)
        if it % args.ckpt_every == 0 or it == total or stop_now:
            checkpoint()
            if stop_now and it < total:
                print(f"stopping at iteration {it} of {total}; rerun the same command to resume", flush=True)
                break
    if it == start_it:
        checkpoint()
    print(f"done: {it} iterations, {time.time() - t_start:.0f}s", flush=True)


if __name__ == "__main__":
    random.seed(0)
    main()
