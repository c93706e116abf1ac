"""The paper's training losses (docs/MODEL.md §9), over relu2_1..relu5_1 of the stylized image."""
import torch
import torch.nn.functional as F

from .model import attention_stats, float32_only, level_key, mean_std, mvn, sample_positions

LOSS_LEVELS = (1, 2, 3, 4)  # relu2_1 … relu5_1
LOSS_MAX_SAMPLE = 64 * 64   # the authors' loss samples at most 4096 style positions at every level


def global_style_loss(out_feats, style_feats, content_feats=None, strength=None):
    """Σ over levels of MSE(μ(out), μ(s)) + MSE(σ(out), σ(s)). With a strength α (a number or N×1×1×1), the
    target statistics are the ones `--strength` blends at inference: αμ(s) + (1−α)μ(c), and the same for σ."""
    total = 0.0
    for i in LOSS_LEVELS:
        mo, so = mean_std(out_feats[i].float())
        ms, ss = mean_std(style_feats[i].float())
        if strength is not None:
            mc, sc = mean_std(content_feats[i].float())
            ms, ss = strength * ms + (1 - strength) * mc, strength * ss + (1 - strength) * sc
        total = total + F.mse_loss(mo, ms) + F.mse_loss(so, ss)
    return total


def blend_targets(targets, content_feats, strength):
    """Local-loss targets at strength α: blending AdaAttN*'s M and S with the content's own statistics, as the
    model does, gives exactly α·target + (1−α)·F_c (σ_c·mvn(F_c) + μ_c = F_c), so α = 0 asks for the content."""
    return [strength * t + (1 - strength) * content_feats[i].float() for i, t in zip(LOSS_LEVELS, targets)]


def identity_losses(out_pixels, ref_pixels, out_feats, ref_feats):
    """The identity losses of SANet and its successors: (pixel MSE, Σ feature MSE over relu1_1…relu5_1) between
    an output and the image it should give back (a photo stylized with itself, or at strength 0)."""
    pixel = F.mse_loss(out_pixels.float(), ref_pixels.float())
    feats = sum(F.mse_loss(o.float(), r.float()) for o, r in zip(out_feats, ref_feats))
    return pixel, feats


def local_feature_targets(content_feats, style_feats, generator=None, max_sample=LOSS_MAX_SAMPLE):
    """AdaAttN* (no learnable projections: Q, K = the keys, V = the style features) at each loss level."""
    targets = []
    for i in LOSS_LEVELS:
        c = content_feats[i].float()
        q = level_key(content_feats, i).float().flatten(2)
        k = level_key(style_feats, i).float().flatten(2)
        v = style_feats[i].float().flatten(2)
        idx = sample_positions(k.shape[2], max_sample, k.device, generator)
        if idx is not None:
            k, v = k[:, :, idx], v[:, :, idx]
        m, s = attention_stats(q, k, v)
        n, ch, h, w = c.shape
        targets.append(s.view(n, ch, h, w) * mvn(c) + m.view(n, ch, h, w))
    return targets


def local_feature_loss(out_feats, targets):
    return sum(F.mse_loss(out_feats[i].float(), t) for i, t in zip(LOSS_LEVELS, targets))


def _cross_similarity(a, b):
    """Row-normalised cosine similarity between every position of `a` and every position of `b`."""
    a = F.normalize(a.float().flatten(2), dim=1)
    b = F.normalize(b.float().flatten(2), dim=1)
    sim = torch.bmm(a.transpose(1, 2), b).clamp_min(0)  # ReLU features: cosines are already >= 0
    return sim / (sim.sum(-1, keepdim=True) + 1e-5)


def image_similarity_loss(content_a, content_b, stylized_a, stylized_b):
    """Video loss: the stylized pair's cross-frame cosine-similarity structure should match the content pair's.
    Inputs are features of one level (we use relu4_1, see tools/train/README.md). Deviation: the paper writes
    1/N² Σ_ij |…|; we take the mean over rows of each row's L1 distance (= the paper's value × N), because
    the literal 1/N² makes the term vanish next to the style losses at λis = 100."""
    with float32_only(content_a.device):
        sc = _cross_similarity(content_a, content_b)
        ss = _cross_similarity(stylized_a, stylized_b)
    return (sc - ss).abs().sum(-1).mean()
