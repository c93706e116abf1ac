#!/usr/bin/python3
"""Numerical-parity fixtures: what our TypeScript model must reproduce, computed by our PyTorch model in float64.

Run from the repository root with Debian's PyTorch (the `python3` on PATH has no torch):

    PYTHONPATH=tools/pysrc /usr/bin/python3 tools/reference/make_parity_fixtures.py

Writes (committed; see tools/reference/README.md for what each one checks):

  packages/core/src/__fixtures__/parity/
    manifest.json               weight sets, cases, tensor names, per-tensor checksums and scales, measured stats
    inputs.safetensors          content/style images, float32 [1,3,H,W] RGB in [0,1]
    expected-seeded.safetensors expected outputs and features with the seeded random weights (float64 → float32)
    expected-trained.safetensors the same with the shipped model packages/model-image
    seeded-legacy.pth           a few seeded tensors in the legacy (pre-1.6) torch format, vgg_normalised.pth keys
    seeded-zip.pth              a few seeded tensors in the zip torch format, latest_net_decoder.pth keys
  packages/node/src/__fixtures__/parity-cli/
    content.png, style.png      8-bit RGB inputs for `adaattn stylize --size 0`
    expected.png                the PyTorch model's output with the shipped model, clamped and rounded to 8 bits
    expected.json               sizes, float statistics of the expected output

The seeded weights are too large to commit (≈26 M parameters), so they are produced on both sides by the same
counter-based generator (see `seeded_uniform`; `seededUniform` in packages/core/src/parity/test-utils/seeded.ts):
element i of tensor `component/key` is `fround(u_i · bound)`, u_i an exact multiple of 2^-23 in [-1, 1) from a
murmur3-finalised Weyl sequence keyed by the tensor's name. `bound` is a float64 written to manifest.json, and the
sha256 of every tensor's float32 bytes is recorded so the TS side proves it rebuilt identical weights.
"""
import copy
import hashlib
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from adaattn_torch import safetensors_io
from adaattn_torch.model import LEVELS, ImageModel, level_key, sample_positions

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
CORE_OUT = os.path.join(ROOT, 'packages', 'core', 'src', '__fixtures__', 'parity')
NODE_OUT = os.path.join(ROOT, 'packages', 'node', 'src', '__fixtures__', 'parity-cli')
TRAINED_DIR = os.path.join(ROOT, 'packages', 'model-image')

SEED = 20240601
# Features are stored for every FEATURE_STRIDE-th channel only (channels 0, 8, 16, …): the full relu1_1 of one
# 48×80 content alone is ~1 MB of float32. The final image is stored whole.
FEATURE_STRIDE = 8
ATTENTION = ('relu3_1', 'relu4_1', 'relu5_1')
MASK32 = 0xFFFFFFFF
GAMMA = 0x9E3779B9  # the golden-ratio Weyl increment


# --- the seeded generator (mirrored in TS; keep the two in step) -----------------------------------------

def fmix32(z):
    """murmur3's 32-bit finaliser on a uint64 numpy array holding uint32 values."""
    z = z & MASK32
    z = ((z ^ (z >> 16)) * 0x85EBCA6B) & MASK32
    z = ((z ^ (z >> 13)) * 0xC2B2AE35) & MASK32
    return z ^ (z >> 16)


def fnv1a32(text):
    h = 0x811C9DC5
    for byte in text.encode('utf-8'):
        h = ((h ^ byte) * 0x01000193) & MASK32
    return h


def seeded_uniform(name, seed, count):
    """count values u_i = (h_i >> 8) / 2^23 − 1 (exact in float32) for the stream `name`, as float64."""
    key = int(fmix32(np.array([fnv1a32(name) ^ seed], dtype=np.uint64))[0])
    i = np.arange(count, dtype=np.uint64)
    h = fmix32((key + i * GAMMA) & MASK32)
    return (h >> 8).astype(np.float64) * 2.0 ** -23 - 1.0


def seeded_bound(key, shape):
    """Per-tensor scale. 3×3 convs: He-uniform sqrt(6/fan_in) (ReLU follows all but two; fine for a test).
    1×1 convs: sqrt(3/fan_in), except the attention projections f, g, whose bound makes the unscaled logits
    q·k (C channels of mvn-normalised keys) have a standard deviation of about 4: a softmax that is neither
    uniform nor one-hot. Biases: 0.05."""
    if len(shape) == 1:
        return 0.05
    fan_in = shape[1] * shape[2] * shape[3]
    leaf = key.split('.')[-2]
    if shape[2] == 1 and leaf in ('f', 'g'):
        c = float(shape[1])
        return float(np.sqrt(3.0 * 4.0 / (c * np.sqrt(c))))
    if shape[2] == 1:
        return float(np.sqrt(3.0 / fan_in))
    return float(np.sqrt(6.0 / fan_in))


def seeded_tensor(component, key, shape, bound, seed=SEED):
    count = int(np.prod(shape))
    values = (seeded_uniform(f'{component}/{key}', seed, count) * bound).astype(np.float32)
    return values.reshape(shape)


def component_states(model):
    return {'encoder': model.encoder.state_dict(), 'transformer': model.transformer.state_dict(),
            'adaattn3': model.adaattn_3.state_dict(), 'decoder': model.decoder.state_dict()}


def component_module(model, component):
    return {'encoder': model.encoder, 'transformer': model.transformer, 'adaattn3': model.adaattn_3,
            'decoder': model.decoder}[component]


def seeded_weights(model):
    """Fills `model` (float64) with the seeded weights; returns the manifest entries and the float32 arrays."""
    entries, arrays = [], {}
    for component, state in component_states(model).items():
        loaded = {}
        for key, value in state.items():
            shape = list(value.shape)
            bound = seeded_bound(key, shape)
            arr = seeded_tensor(component, key, shape, bound)
            arrays[(component, key)] = arr
            loaded[key] = torch.from_numpy(arr.astype(np.float64))
            entries.append({'component': component, 'key': key, 'shape': shape, 'bound': bound,
                            'sha256': hashlib.sha256(arr.astype('<f4').tobytes()).hexdigest()})
        component_module(model, component).load_state_dict(loaded)
    return entries, arrays


def trained_weights(model):
    """Loads packages/model-image (float16 safetensors) into `model` (float64: exact widening)."""
    with open(os.path.join(TRAINED_DIR, 'model.json')) as f:
        config = json.load(f)
    for component, entry in config['files'].items():
        state = safetensors_io.loads(safetensors_io.read_model_file(TRAINED_DIR, entry), dtype=torch.float64)
        component_module(model, component).load_state_dict(state)
    return {'dir': 'packages/model-image', 'name': config['name'],
            'sha256': {c: e['sha256'] for c, e in config['files'].items()}}


# --- inputs ---------------------------------------------------------------------------------------------------

def synthetic_image(height, width, seed):
    """A picture-like float RGB image in [0,1]: smooth colour fields, a few hard-edged shapes, mild noise."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    y /= max(height - 1, 1)
    x /= max(width - 1, 1)
    noise = seeded_uniform(f'image/{seed}', SEED, 3 * height * width).reshape(3, height, width)
    img = np.empty((3, height, width))
    for c in range(3):
        a = 1.0 + 0.7 * c + 0.3 * seed
        img[c] = 0.5 + 0.3 * np.sin(6.0 * a * x + 3.0 * y * (c + 1) + seed) * np.cos(4.0 * y * a - 2.0 * x)
    # shapes: a disc and a bar with their own colours
    disc = (x - 0.3 - 0.1 * seed % 0.4) ** 2 + (y - 0.55) ** 2 < 0.06
    bar = (np.abs(x + 0.5 * y - 0.9) < 0.08)
    for c, (dv, bv) in enumerate(((0.9, 0.1), (0.2, 0.8), (0.1 + 0.2 * (seed % 3), 0.3))):
        img[c][disc] = dv
        img[c][bar] = bv
    img += 0.04 * noise
    return np.clip(img, 0.0, 1.0)[None].astype(np.float32)


# --- the reference run ----------------------------------------------------------------------------------------

def padded_size(height, width):
    """The SDK's content padding (packages/core/src/model/stylizer.ts paddedContentSize): bottom/right up to the
    next multiple of 16, and at least 32."""
    up = lambda n: max(32, -(-n // 16) * 16)  # noqa: E731
    return up(height), up(width)


def reflect_pad_to(x, out_h, out_w):
    """The SDK's reflectPadTo for pads smaller than the axis (one reflection round; the fixtures stay there)."""
    h, w = x.shape[-2:]
    assert out_h - h < h and out_w - w < w, 'the fixtures keep padding to one reflection round'
    return F.pad(x, (0, out_w - w, 0, out_h - h), mode='reflect')


def run_case(model, content, style, indices=None):
    """Runs the image model in float64; returns the named outputs (float64 tensors).

    With `indices` (level → (count, seed)) each module samples `count` style positions itself, as the official
    code does with its cap, from a torch generator seeded with `seed` (subset_indices gives the same indices, for
    the SDK's `sampleIndices` option); without, attention is exact over all style positions."""
    h, w = content.shape[-2:]
    ph, pw = padded_size(h, w)
    x = reflect_pad_to(content, ph, pw)
    with torch.no_grad():
        cf = model.encoder(x)
        sf = model.encoder(style)
        ck = {lvl: level_key(cf, i) for i, lvl in enumerate(LEVELS) if lvl in ATTENTION}
        sk = {lvl: level_key(sf, i) for i, lvl in enumerate(LEVELS) if lvl in ATTENTION}
        modules = {'relu3_1': model.adaattn_3, 'relu4_1': model.transformer.attn_adain_4_1,
                   'relu5_1': model.transformer.attn_adain_5_1}
        a = {}
        for lvl in ATTENTION:
            i = LEVELS.index(lvl)
            m = modules[lvl]
            if indices is None:
                a[lvl] = m(cf[i], sf[i], ck[lvl], sk[lvl], exact=True)
            else:  # the module's own sampling, with a tiny cap and the generator subset_indices replays
                count, seed = indices[lvl]
                cap, m.max_sample = m.max_sample, count
                try:
                    a[lvl] = m(cf[i], sf[i], ck[lvl], sk[lvl], generator=torch.Generator().manual_seed(seed))
                finally:
                    m.max_sample = cap
        t = model.transformer.merge_conv(F.pad(a['relu4_1'] + F.interpolate(a['relu5_1'], scale_factor=2, mode='nearest'),
                                               (1, 1, 1, 1), mode='reflect'))
        decoded = model.decoder(t, a['relu3_1'])
        if indices is None:  # the whole-model path must agree with the piecewise one above
            whole, skip, cs = model.stylize_features(cf, sf, exact=True)
            assert torch.equal(whole, decoded) and torch.equal(skip, a['relu3_1']) and torch.equal(cs, t)
    out = {f'content.{lvl}': cf[i] for i, lvl in enumerate(LEVELS)}
    out.update({f'adaattn.{lvl}': a[lvl] for lvl in ATTENTION})
    out['transformer'] = t
    out['output'] = decoded[:, :, :h, :w]
    logits = {}
    with torch.no_grad():
        for lvl in ATTENTION:
            m = modules[lvl]
            q = m.f(ck[lvl]).flatten(2)
            k = m.g(sk[lvl]).flatten(2)
            n_style = k.shape[2]
            if indices is not None:
                k = k[:, :, subset_indices(n=n_style, count=indices[lvl][0], seed=indices[lvl][1])]
            lg = torch.bmm(q.transpose(1, 2), k)
            p = torch.softmax(lg, -1)
            logits[lvl] = {'maxAbsLogit': float(lg.abs().max()), 'logitStd': float(lg.std()),
                           'meanMaxAttention': float(p.max(-1).values.mean()), 'stylePositions': int(k.shape[2]), 'allStylePositions': n_style}
    return out, (ph, pw), logits


# --- cases ----------------------------------------------------------------------------------------------------

# (name, content H×W, style H×W, style-position subset sizes per level or None for exact attention)
IMAGES = {
    'content_48x80': (48, 80, 1),
    'content_37x50': (37, 50, 2),   # not a multiple of 16: padded to 48×64 and cropped back
    'content_32x48': (32, 48, 3),
    'style_57x41': (57, 41, 4),     # odd sizes at every pooling: relu5_1 is 4×3
    'style_72x72': (72, 72, 5),     # 72 → 36 → 18 → 9 → 5
}
CASES = [
    # weights, name, content, style, subset sizes
    ('seeded', 'seeded_48x80_exact', 'content_48x80', 'style_57x41', None),
    ('seeded', 'seeded_37x50_padded_exact', 'content_37x50', 'style_72x72', None),
    ('seeded', 'seeded_32x48_sampled', 'content_32x48', 'style_57x41', {'relu3_1': 64, 'relu4_1': 20, 'relu5_1': 7}),
    ('trained', 'trained_48x80_exact', 'content_48x80', 'style_57x41', None),
    ('trained', 'trained_37x50_padded_exact', 'content_37x50', 'style_72x72', None),
]


def strided(t):
    """Every FEATURE_STRIDE-th channel of a feature map (all of a 3-channel image)."""
    return t if t.shape[1] <= 3 else t[:, ::FEATURE_STRIDE]


def subset_indices(n, count, seed):
    """The style positions AdaAttN.forward samples with cap `count` and a generator seeded with `seed`
    (torch.randperm order, unsorted)."""
    return sample_positions(n, count, 'cpu', torch.Generator().manual_seed(seed))


def main():
    torch.set_num_threads(2)
    os.makedirs(CORE_OUT, exist_ok=True)
    images = {name: torch.from_numpy(synthetic_image(h, w, s)) for name, (h, w, s) in IMAGES.items()}
    safetensors_io.save(images, os.path.join(CORE_OUT, 'inputs.safetensors'))

    manifest = {
        'generator': 'tools/reference/make_parity_fixtures.py',
        'torch': torch.__version__,
        'dtype': 'float64 (stored as float32)',
        'featureChannelStride': FEATURE_STRIDE,
        'inputs': {'file': 'inputs.safetensors', 'images': {k: list(v.shape) for k, v in images.items()}},
        'weightSets': {},
        'cases': [],
    }
    models = {}
    seeded = ImageModel().double().eval()
    entries, arrays = seeded_weights(seeded)
    models['seeded'] = seeded
    manifest['weightSets']['seeded'] = {
        'kind': 'seeded', 'seed': SEED, 'expected': 'expected-seeded.safetensors', 'tensors': entries,
        'pth': write_seeded_pth(arrays),
    }
    trained = ImageModel().double().eval()
    manifest['weightSets']['trained'] = {'kind': 'model-dir', 'expected': 'expected-trained.safetensors',
                                         **trained_weights(trained)}
    models['trained'] = trained
    models32 = {k: copy.deepcopy(m).float() for k, m in models.items()}  # exact: the weights are float32/float16

    expected = {'seeded': {}, 'trained': {}}
    for weights, name, content, style, subsets in CASES:
        model = models[weights]
        indices = None
        if subsets is not None:
            indices = {lvl: (subsets[lvl], fnv1a32(f'{name}/{lvl}')) for lvl in ATTENTION}
        out, (ph, pw), logits = run_case(model, images[content].double(), images[style].double(), indices)
        # The same run in float32, the precision the SDK computes in: its error is what float32 itself costs.
        out32, _, _ = run_case(models32[weights], images[content], images[style], indices)
        tensors = {}
        for key, value in out.items():
            stored = strided(value)
            max_abs = float(value.abs().max())
            err32 = float((out32[key].double() - value).abs().max())
            tensors[key] = {'name': f'{name}/{key}', 'shape': list(value.shape), 'storedShape': list(stored.shape),
                            'maxAbs': max_abs, 'torchFloat32Error': err32 if key == 'output' else err32 / max_abs}
            expected[weights][f'{name}/{key}'] = stored.float()
        case = {'name': name, 'weights': weights, 'content': content, 'style': style,
                'paddedSize': [ph, pw], 'attention': 'exact' if indices is None else 'subset',
                'tensors': tensors, 'attentionStats': logits}
        if indices is not None:
            case['sampleIndices'] = {lvl: subset_indices(logits[lvl]['allStylePositions'], count, seed).tolist()
                                     for lvl, (count, seed) in indices.items()}
        manifest['cases'].append(case)
        print(name, {k: (round(v['maxAbs'], 3), '%.1e' % v['torchFloat32Error']) for k, v in tensors.items()},
              {k: (round(v['maxAbsLogit'], 1), round(v['meanMaxAttention'], 3)) for k, v in logits.items()},
              file=sys.stderr)

    for weights, tensors in expected.items():
        safetensors_io.save(tensors, os.path.join(CORE_OUT, manifest['weightSets'][weights]['expected']))
    with open(os.path.join(CORE_OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')

    write_cli_fixture(trained)
    for d in (CORE_OUT, NODE_OUT):
        for fn in sorted(os.listdir(d)):
            print(f'{os.path.relpath(os.path.join(d, fn), ROOT)}: {os.path.getsize(os.path.join(d, fn))} bytes')


# --- official .pth layouts (reduced: a few tensors) -----------------------------------------------------------

PTH_SUBSETS = {
    # file → (torch format, component, keys): the encoder's vgg_normalised.pth is legacy, the others zip
    'seeded-legacy.pth': ('legacy', 'encoder', ['0.weight', '0.bias', '2.weight', '2.bias']),
    'seeded-zip.pth': ('zip', 'decoder', ['decoder_layer_2.21.bias', 'decoder_layer_2.24.weight',
                                          'decoder_layer_2.24.bias']),
}


def same_state(path, state):
    if not os.path.exists(path):
        return False
    back = torch.load(path)
    return list(back) == list(state) and all(back[k].dtype == v.dtype and torch.equal(back[k], v) for k, v in state.items())


def write_seeded_pth(arrays):
    out = {}
    for fn, (fmt, component, keys) in PTH_SUBSETS.items():
        state = {k: torch.from_numpy(arrays[(component, k)].copy()) for k in keys}
        path = os.path.join(CORE_OUT, fn)
        # The legacy format names storages by memory address, so its bytes change on every run: keep an existing
        # file whose tensors are already right, so that regenerating leaves the committed fixtures unchanged.
        if not same_state(path, state):
            torch.save(state, path, _use_new_zipfile_serialization=(fmt == 'zip'))
        assert same_state(path, state)
        out[fn] = {'format': fmt, 'component': component, 'keys': keys}
    return out


# --- the CLI fixture (issue 3: the exported model through `adaattn stylize` matches PyTorch) --------------------

def write_cli_fixture(model):
    from PIL import Image

    os.makedirs(NODE_OUT, exist_ok=True)
    content = synthetic_image(52, 70, 6)  # 70×52 px: padded to 80×64 inside the SDK
    style = synthetic_image(80, 64, 7)
    to8 = lambda a: np.floor(a[0].transpose(1, 2, 0) * 255.0 + 0.5).astype(np.uint8)  # noqa: E731
    c8, s8 = to8(content), to8(style)
    Image.fromarray(c8, 'RGB').save(os.path.join(NODE_OUT, 'content.png'))
    Image.fromarray(s8, 'RGB').save(os.path.join(NODE_OUT, 'style.png'))
    # What the SDK sees: the decoded 8-bit pixels / 255.
    as_float = lambda a: torch.from_numpy(a.transpose(2, 0, 1)[None].astype(np.float64) / 255.0)  # noqa: E731
    out, _, logits = run_case(model, as_float(c8), as_float(s8))
    y = out['output'][0].numpy()
    # The SDK's floatToPixels: clamp to [0,1], ×255, round half up (Math.round); NaN → 0.
    pixels = np.floor(np.clip(y, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8).transpose(1, 2, 0)
    Image.fromarray(pixels, 'RGB').save(os.path.join(NODE_OUT, 'expected.png'))
    # Distance of each value from a rounding boundary, in levels: where it is tiny, float32 may round the other way.
    scaled = np.clip(y, 0.0, 1.0) * 255.0
    frac = np.abs(scaled - np.floor(scaled) - 0.5)
    info = {'generator': 'tools/reference/make_parity_fixtures.py', 'model': 'packages/model-image',
            'content': 'content.png', 'style': 'style.png', 'expected': 'expected.png',
            'contentSize': [52, 70], 'styleSize': [80, 64], 'attention': 'exact (style positions under the caps)',
            'outputRange': [float(y.min()), float(y.max())],
            'valuesWithin1e-3LevelsOfRoundingBoundary': int((frac < 1e-3).sum()),
            'attentionStats': logits}
    with open(os.path.join(NODE_OUT, 'expected.json'), 'w') as f:
        json.dump(info, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
