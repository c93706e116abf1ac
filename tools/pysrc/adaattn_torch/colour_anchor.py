"""The colour anchor of the SDK's strength control (packages/core/src/pixels/color.ts `anchorColorMeans`).

Below full strength the output's channel means are moved toward the photo's by w = (1 − α)² (`anchor_weight`),
the weight the training gives its strength-0 colour term: at α = 0 the means are the photo's, at α = 1 nothing
changes. The means are those of the image as written (clamped to [0, 1]); the per-channel shift that lands them
on the target is solved for as the SDK solves it (Newton steps on the piecewise-linear clamped mean, bisecting
when a step leaves the bracket, to within 1e-9). Non-finite values count as clipped and are left as they are.
The SDK's optional per-pixel coverage (the content's alpha) has no counterpart here."""
import torch

TOLERANCE = 1e-9
MAX_STEPS = 80


def anchor_weight(strength):
    return (1.0 - float(strength)) ** 2


def _clamped_mean(x, shift):
    y = x + shift  # NaN stays NaN: counted as 0 by nan_to_num, like −∞; +∞ clamps to 1
    clamped = torch.nan_to_num(y, nan=0.0).clamp(0, 1)
    return float(clamped.mean()), float(((y > 0) & (y < 1)).double().mean())


def shift_to_clamped_mean(x, own, target):
    """The shift s with mean(clamp(x + s, 0, 1)) = target, for one channel's values x (float64)."""
    finite = x[torch.isfinite(x)]
    if finite.numel() == 0:
        return 0.0
    lo, hi = float(-finite.max()), float(1 - finite.min())
    shift = min(hi, max(lo, target - own))
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


def anchor_colour_means(out, photo, weight):
    """out, photo: N×3×H×W in [0, 1] (out unclamped); returns out shifted per sample and channel by the shift
    that moves its clamped means toward the photo's by `weight` (anchor_weight(α) for strength α)."""
    if weight == 0:
        return out
    shifts = torch.zeros(out.shape[:2] + (1, 1), dtype=torch.float64, device=out.device)
    for n in range(out.shape[0]):
        for c in range(out.shape[1]):
            x = out[n, c].double()
            own = _clamped_mean(x, 0.0)[0]
            photo_mean = _clamped_mean(photo[n, c].double(), 0.0)[0]
            target = min(1.0, max(0.0, own + weight * (photo_mean - own)))
            shifts[n, c] = shift_to_clamped_mean(x, own, target)
    return (out.double() + shifts).to(out.dtype)
