"""Quality measures of a stylized image that the training tool reports at every checkpoint (issue #16).

- identity PSNR and colour shift: the output at strength 0 against the photo (it should give the photo back);
- style distance: the global style loss (unweighted) between the output's and the painting's feature
  statistics over relu2_1…relu5_1, divided by the same distance for the photo itself — 1 means "as far from the
  painting as the photo", lower means closer to the painting;
- content distance: the MSE between mvn(relu4_1) of the output and of the photo, divided by the same distance
  for the painting — 0 means "the photo's structure", 1 means "as far from it as the painting".
Content and style images must have one size (the validation crops do) for the content ratio."""
import torch

from .losses import global_style_loss
from .model import mvn

RELU4_1 = 3


def psnr(out, ref):
    """Per sample, in dB, for images in [0, 1]."""
    mse = (out.float().clamp(0, 1) - ref.float()).pow(2).flatten(1).mean(1)
    return 10 * torch.log10(1 / mse.clamp_min(1e-10))


def colour_shift(out, ref):
    """Per sample: the largest |difference of channel means| in 8-bit levels."""
    return (out.float().clamp(0, 1).mean((2, 3)) - ref.float().mean((2, 3))).abs().amax(1) * 255


def _per_sample(fn, *feat_lists):
    n = feat_lists[0][0].shape[0]
    return torch.stack([fn(*[[f[k:k + 1] for f in feats] for feats in feat_lists]) for k in range(n)])


def style_distance_ratio(out_feats, content_feats, style_feats):
    d_out = _per_sample(lambda o, s: global_style_loss(o, s), out_feats, style_feats)
    d_photo = _per_sample(lambda c, s: global_style_loss(c, s), content_feats, style_feats)
    return d_out / d_photo.clamp_min(1e-12)


def content_distance_ratio(out_feats, content_feats, style_feats):
    def dist(a, b):
        return (mvn(a[RELU4_1].float()) - mvn(b[RELU4_1].float())).pow(2).flatten(1).mean(1)
    return dist(out_feats, content_feats) / dist(style_feats, content_feats).clamp_min(1e-12)


def report(out_pixels, out_feats, content_pixels, content_feats, style_feats):
    """All measures for one batch of outputs, as per-sample tensors."""
    return {"psnr": psnr(out_pixels, content_pixels), "colourShift": colour_shift(out_pixels, content_pixels),
            "styleRatio": style_distance_ratio(out_feats, content_feats, style_feats),
            "contentRatio": content_distance_ratio(out_feats, content_feats, style_feats)}


__all__ = ["psnr", "colour_shift", "style_distance_ratio", "content_distance_ratio", "report"]
