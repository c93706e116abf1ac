"""Channel normalisation of the VGG-19 encoder (Gatys et al. 2016): rescale so that each ReLU channel's mean
activation over a set of photos is 1.

ReLU, max-pooling and reflection padding commute with positive per-channel scaling, so dividing conv l's
output channel c by its mean m_c — and multiplying conv l+1's input channel c by m_c to compensate — gives a
network whose features are exactly the original ones divided by their channel means. One pass of the
original network over the photos therefore gives every mean at once."""
import torch

from .model import Encoder


@torch.no_grad()
def channel_means(state, images):
    """Mean ReLU activation of every channel of every 3×3 conv, over `images` (iterable of N×3×H×W in [0,1])."""
    enc = Encoder(5)
    enc.load_state_dict(state)
    sums, counts = {}, {}
    for x in images:
        for i, act in enc.activations(x):
            sums[i] = sums.get(i, 0) + act.double().sum((0, 2, 3))
            counts[i] = counts.get(i, 0) + act.shape[0] * act.shape[2] * act.shape[3]
    return {i: (sums[i] / counts[i]).float() for i in sums}


def normalise_encoder(state, images):
    """Returns (normalised state dict, the channel means that were divided out)."""
    means = channel_means(state, images)
    out = {k: v.clone().float() for k, v in state.items()}
    prev = None
    for idx in sorted(means):
        m = torch.where(means[idx] > 1e-8, means[idx], torch.ones_like(means[idx]))  # dead channels: unchanged
        means[idx] = m
        if prev is not None:
            out[f"{idx}.weight"] *= means[prev].view(1, -1, 1, 1)
        out[f"{idx}.weight"] /= m.view(-1, 1, 1, 1)
        out[f"{idx}.bias"] /= m
        prev = idx
    return out, means
