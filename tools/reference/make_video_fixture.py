#!/usr/bin/python3
"""Video-model parity fixture: what the TypeScript VideoStylizer must reproduce, computed by our PyTorch
VideoModel (tools/pysrc/adaattn_torch/model.py) in float64 with the shipped video model's weights.

Run from the repository root with Debian's PyTorch:

    PYTHONPATH=tools/pysrc /usr/bin/python3 tools/reference/make_video_fixture.py

Writes packages/core/src/__fixtures__/video/video-trained.safetensors (float32), holding

  content [1,3,24,32], style1 [1,3,20,28], style2 [1,3,26,22]   inputs, RGB in [0,1] (smooth synthetic pictures)
  single.adaattn [1,256,6,8], single.output [1,3,24,32]         VideoModel(content, style1), exact attention
  mixed.output [1,3,24,32]                                      two styles interpolated with weights 0.25 / 0.75
                                                                (M = Σ wᵢMᵢ, S = Σ wᵢSᵢ) at strength 0.5
                                                                (M' = αM + (1−α)μ_c, S' = αS + (1−α)σ_c), the
                                                                decoder at W + (1−α)(W₀ − W) when the model has a
                                                                strength endpoint W₀ (strength.safetensors), then
                                                                the colour anchor (colour_anchor.py) at α

The weights are not copied: the test reads them from packages/model-video, as this script does. Every style
here is under the video model's sampling cap (65536 positions), so no positions are sampled on either side.
"""
import copy
import os

import numpy as np
import torch

from adaattn_torch import safetensors_io
from adaattn_torch.colour_anchor import anchor_colour_means, anchor_weight
from adaattn_torch.model import VideoModel, attention_stats, level_key, mean_std, mvn, state_at_strength

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
MODEL_DIR = os.path.join(ROOT, 'packages', 'model-video')
OUT = os.path.join(ROOT, 'packages', 'core', 'src', '__fixtures__', 'video', 'video-trained.safetensors')
WEIGHTS = (0.25, 0.75)
STRENGTH = 0.5


def picture(h, w, seed):
    """A smooth RGB picture in [0,1], float32 values then widened (the TS side reads the float32)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    chans = [0.5 + 0.45 * np.sin(0.31 * x * (c + 1) / 2 + 0.23 * y + seed * 1.7 + c) * np.cos(0.11 * y * (c + 2) - 0.07 * x + seed)
             for c in range(3)]
    return torch.from_numpy(np.stack(chans)[None].astype(np.float32)).double()


def load_model():
    model = VideoModel().double()
    state = {}
    for component, prefix in (('encoder', 'encoder.'), ('adaattn3', 'adaattn_3.'), ('decoder', 'decoder.')):
        for key, t in safetensors_io.load_component(MODEL_DIR, component, dtype=torch.float64).items():
            state[prefix + key] = t
    model.load_state_dict(state)
    return model.eval()


def decoder_at(model, alpha):
    """The decoder the SDK runs at strength α (packages/core/src/model/strength.ts): with the model's strength
    endpoint, every weight W + (1 − α)(W₀ − W); without one, the model's own."""
    path = os.path.join(MODEL_DIR, 'strength.safetensors')
    if not os.path.exists(path):
        return model.decoder
    w0 = safetensors_io.load(path, dtype=torch.float64)
    decoder = copy.deepcopy(model.decoder)
    decoder.load_state_dict(state_at_strength(model.decoder.state_dict(), w0, 'decoder', alpha))
    return decoder


def controlled(model, content, styles, weights, alpha):
    """Interpolation and strength composed from the model's own pieces (docs/MODEL.md §8)."""
    module = model.adaattn_3
    cf = model.encoder(content)
    c3 = cf[2]
    n, ch, h, w = c3.shape
    q = module.f(level_key(cf, 2)).flatten(2)
    m_sum, s_sum = 0, 0
    for style, weight in zip(styles, weights):
        sf = model.encoder(style)
        k = module.g(level_key(sf, 2)).flatten(2)
        v = module.h(sf[2]).flatten(2)
        m, s = attention_stats(q, k, v, cosine=True)
        m_sum, s_sum = m_sum + weight * m, s_sum + weight * s
    mu, sigma = mean_std(c3)
    m = alpha * m_sum.view(n, ch, h, w) + (1 - alpha) * mu
    s = alpha * s_sum.view(n, ch, h, w) + (1 - alpha) * sigma
    return anchor_colour_means(decoder_at(model, alpha)(s * mvn(c3) + m), content, anchor_weight(alpha))


def main():
    torch.set_grad_enabled(False)
    model = load_model()
    content, style1, style2 = picture(24, 32, 1), picture(20, 28, 2), picture(26, 22, 3)
    cf, sf = model.encoder(content), model.encoder(style1)
    adaattn = model.adaattn_3(cf[2], sf[2], level_key(cf, 2), level_key(sf, 2), exact=True)
    single = model.decoder(adaattn)
    assert torch.allclose(single, model(content, style1, exact=True))
    mixed = controlled(model, content, (style1, style2), WEIGHTS, STRENGTH)
    tensors = {'content': content, 'style1': style1, 'style2': style2, 'single.adaattn': adaattn, 'single.output': single,
               'mixed.output': mixed}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    safetensors_io.save({k: v.float() for k, v in tensors.items()}, OUT,
                        metadata={'generator': 'tools/reference/make_video_fixture.py', 'weights': 'packages/model-video',
                                  'interpolation_weights': ','.join(map(str, WEIGHTS)), 'strength': STRENGTH})
    print(f'wrote {os.path.relpath(OUT, ROOT)} ({os.path.getsize(OUT)} bytes); output range '
          f'{single.min().item():.3f}..{single.max().item():.3f}')


if __name__ == '__main__':
    main()
