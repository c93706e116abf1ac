"""The colour anchor of the SDK's strength control (packages/core/src/pixels/color.ts `anchorColorMeans`).

Below full strength the output's channel means are moved toward the photo's by w = (1 − α)², the weight the
training gives its strength-0 colour term: at α = 0 the means are the photo's, at α = 1 nothing changes. The
means are those of the image as written (clamped to [0, 1]); the per-channel shift that lands them on the target
is solved for as the SDK solves it (Newton steps on the piecewise-linear clamped mean, bisecting when a step
leaves the bracket), to within 1e-6."""
import torch

TOLERANCE = 1e-6
MAX_STEPS = 60


def anchor_weight(strength):
    return (1.0 - float(strength)) ** 2


def _clamped_mean(x, shift):
    y = x + shift
    return float(y.clamp(0, 1).mean()), float(((y > 0) & (y < 1)).double().mean())


def shift_to_clamped_mean(x, target):
    """The shift s with mean(clamp(x + s, 0, 1)) = target, for one channel's values x."""
    lo, hi = float(-x.max()), float(1 - x.min())
    shift = min(hi, max(lo, target - _clamped_mean(x, 0.0)[0]))
    for _ in range(MAX_STEPS):
        mean, slope = _clamped_mean(x, shift)
        if abs(mean - target) < TOLERANCE:
            break
        if mean < target:
            lo = shift
        else:
            hi = shift
        newton = shift + (target - mean) / slope if slope > 0 else None
        shift = newton if newton is not None and lo < newton < hi else (lo + hi) / 2
    return shift


def anchor_colour_means(out, photo, strength):
    """out, photo: N×3×H×W in [0, 1] (out unclamped); returns out shifted per sample and channel."""
    w = anchor_weight(strength)
    if w == 0:
        return out
    shifts = torch.zeros(out.shape[:2] + (1, 1), dtype=out.dtype)
    photo_means = photo.double().mean((2, 3))
    for n in range(out.shape[0]):
        for c in range(out.shape[1]):
            x = out[n, c].double()
            own = float(x.clamp(0, 1).mean())
            shifts[n, c] = shift_to_clamped_mean(x, own + w * (float(photo_means[n, c]) - own))
    return out + shifts
