"""AdaAttN in PyTorch, exactly as docs/MODEL.md describes the authors' released configuration
(shallow_layer + skip_connection_3), plus the video model of their inference_frame.py.

Parameter names match the official checkpoints so state dicts load and save with no renaming:
encoder `0..42`, transformer `attn_adain_4_1.* / attn_adain_5_1.* / merge_conv.*`, skip module `f/g/h`,
decoder `decoder_layer_1.1.*, decoder_layer_2.N.*`, video decoder `decoder.N.*`.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-5
LEVELS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
# Official cap on sampled style positions per module (networks.Transformer default, adaattn_model.max_sample).
MAX_SAMPLE = {"relu3_1": 64 * 64, "relu4_1": 256 * 256, "relu5_1": 256 * 256}


# --- statistics -------------------------------------------------------------------------------------------

def at_least_float32(x):
    """Half/bfloat16 → float32; float32 and float64 unchanged (the reference runs the model in float64)."""
    return x if x.dtype in (torch.float32, torch.float64) else x.float()


def mean_std(x):
    """Per sample and channel: spatial mean and sqrt(unbiased variance + eps), shaped N×C×1×1."""
    n, c = x.shape[:2]
    flat = at_least_float32(x.reshape(n, c, -1))  # statistics in float32 even under autocast
    return flat.mean(2).view(n, c, 1, 1), (flat.var(2) + EPS).sqrt().view(n, c, 1, 1)


def mvn(x):
    mean, std = mean_std(x)
    return (x - mean) / std


def level_key(feats, level):
    """Key at `level` (index into LEVELS): mvn of every shallower feature nearest-resized to this level's size,
    then mvn of this level's feature, concatenated along channels."""
    h, w = feats[level].shape[-2:]
    parts = [mvn(F.interpolate(feats[j], size=(h, w), mode="nearest")) for j in range(level)]
    parts.append(mvn(feats[level]))
    return torch.cat(parts, 1)


# --- encoder ----------------------------------------------------------------------------------------------

# Conv indices of the official vgg_normalised Sequential (layer 0 is the 1×1 colour conv, no pad, no ReLU).
ENCODER_CONVS = (0, 2, 5, 9, 12, 16, 19, 22, 25, 29, 32, 35, 38, 42)
_POOL_BEFORE = {9, 16, 29, 42}  # max-pools at Sequential indices 7, 14, 27, 40
_TAPS = {2: 0, 9: 1, 16: 2, 29: 3, 42: 4}  # conv index whose ReLU output is relu{k+1}_1


def _conv_shapes():
    chans = {0: (3, 3), 2: (3, 64), 5: (64, 64), 9: (64, 128), 12: (128, 128), 16: (128, 256)}
    for i in (19, 22, 25):
        chans[i] = (256, 256)
    chans[29] = (256, 512)
    for i in (32, 35, 38, 42):
        chans[i] = (512, 512)
    return chans


class Encoder(nn.Module):
    """VGG-19 up to relu{depth}_1; returns the list of taps relu1_1 … relu{depth}_1."""

    def __init__(self, depth=5):
        super().__init__()
        self.depth = depth
        last = (2, 9, 16, 29, 42)[depth - 1]
        self.indices = [i for i in ENCODER_CONVS if i <= last]
        for i in self.indices:
            cin, cout = _conv_shapes()[i]
            self.add_module(str(i), nn.Conv2d(cin, cout, 1 if i == 0 else 3))

    def forward(self, x):
        """relu1_1 … relu{depth}_1."""
        return [act for i, act in self.activations(x) if i in _TAPS]

    def activations(self, x):
        """Yields (conv index, its ReLU output) for every 3×3 conv in order (normalisation needs them all)."""
        for i in self.indices:
            conv = getattr(self, str(i))
            if i == 0:
                x = conv(x)
                continue
            if i in _POOL_BEFORE:
                x = F.max_pool2d(x, 2, 2, ceil_mode=True)
            x = F.relu(conv(F.pad(x, (1, 1, 1, 1), mode="reflect")))
            yield i, x


# --- attention --------------------------------------------------------------------------------------------

def sample_positions(n, cap, device, generator=None):
    """Indices of at most `cap` style positions out of `n` (all of them, in order, when n <= cap)."""
    if cap is None or n <= cap:
        return None
    return torch.randperm(n, generator=generator, device="cpu")[:cap].to(device)


def attention_stats(q, k, v, cosine=False, mask_logits=None):
    """Attention-weighted mean and std of the values.

    q: N×Cq×Lc (queries), k: N×Cq×Ls (keys), v: N×Cv×Ls (values).
    Returns M, S as N×Cv×Lc. Softmax attention (no 1/sqrt(d) scaling, as the authors), or the video model's
    cosine attention relu(cos + 1) normalised per row with +1e-5.
    """
    with float32_only(q.device):
        return _attention_stats(at_least_float32(q), at_least_float32(k), at_least_float32(v), cosine, mask_logits)


def float32_only(device):
    """Attention in float32 even under autocast: unscaled logits over ~1000 channels are in the hundreds, and
    half-precision rounding of them would visibly change the softmax."""
    return torch.autocast(device_type=device.type, enabled=False)


def _attention_stats(q, k, v, cosine, mask_logits):
    logits = torch.bmm(q.transpose(1, 2), k)  # N×Lc×Ls
    if cosine:
        qn = q.pow(2).sum(1).sqrt().unsqueeze(2)  # N×Lc×1
        kn = k.pow(2).sum(1).sqrt().unsqueeze(1)  # N×1×Ls
        a = F.relu(logits / (qn + EPS) / (kn + EPS) + 1)
        a = a / (a.sum(-1, keepdim=True) + EPS)
    else:
        if mask_logits is not None:
            logits = logits + mask_logits
        a = torch.softmax(logits, -1)
    vt = v.transpose(1, 2)  # N×Ls×Cv
    m = torch.bmm(a, vt)
    s = torch.sqrt(F.relu(torch.bmm(a, vt * vt) - m * m))
    return m.transpose(1, 2), s.transpose(1, 2)


class AdaAttN(nn.Module):
    def __init__(self, value_channels, key_channels, max_sample, cosine=False):
        super().__init__()
        self.f = nn.Conv2d(key_channels, key_channels, 1)
        self.g = nn.Conv2d(key_channels, key_channels, 1)
        self.h = nn.Conv2d(value_channels, value_channels, 1)
        self.max_sample = max_sample
        self.cosine = cosine

    def forward(self, content, style, content_key, style_key, exact=False, generator=None, strength=None):
        n, c, h, w = content.shape
        q = self.f(content_key).flatten(2)
        k = self.g(style_key).flatten(2)
        v = self.h(style).flatten(2)
        idx = None if exact else sample_positions(k.shape[2], self.max_sample, k.device, generator)
        if idx is not None:
            k, v = k[:, :, idx], v[:, :, idx]
        m, s = attention_stats(q, k, v, cosine=self.cosine)
        m, s = m.view(n, c, h, w), s.view(n, c, h, w)
        content = at_least_float32(content)
        if strength is not None:
            m, s = blend_statistics(m, s, content, strength)
        return s * mvn(content) + m


def toward_endpoint(w, w0, strength):
    """The SDK's strength endpoint (packages/core/src/model/strength.ts): a weight at strength α is
    W + (1 − α)(W₀ − W), W the model's own and W₀ the endpoint's."""
    return w + (1 - strength) * (w0 - w)


def state_at_strength(state, endpoint, component, strength):
    """A component's state dict at strength α: each key the endpoint holds (as "component.key") moved toward it."""
    return {k: toward_endpoint(v, endpoint[f"{component}.{k}"], strength) if f"{component}.{k}" in endpoint else v
            for k, v in state.items()}


def blend_statistics(m, s, content, strength):
    """The SDK's strength α (packages/core/src/model/adaattn.ts): M' = αM + (1−α)μ_c, S' = αS + (1−α)σ_c, with
    μ_c, σ_c the content feature's own mean and std, so α = 0 gives back the content feature. `strength` is a
    number or an N×1×1×1 tensor (one α per sample, as training samples it)."""
    mu, sigma = mean_std(content)
    return strength * m + (1 - strength) * mu, strength * s + (1 - strength) * sigma


# --- transformer and decoders -----------------------------------------------------------------------------

def _up2(x):
    return F.interpolate(x, scale_factor=2, mode="nearest")


def _pad(x):
    return F.pad(x, (1, 1, 1, 1), mode="reflect")


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn_adain_4_1 = AdaAttN(512, 64 + 128 + 256 + 512, MAX_SAMPLE["relu4_1"])
        self.attn_adain_5_1 = AdaAttN(512, 64 + 128 + 256 + 512 + 512, MAX_SAMPLE["relu5_1"])
        self.merge_conv = nn.Conv2d(512, 512, 3)

    def forward(self, c4, s4, c5, s5, ck4, sk4, ck5, sk5, exact=False, generator=None, strength=None):
        a4 = self.attn_adain_4_1(c4, s4, ck4, sk4, exact, generator, strength)
        a5 = self.attn_adain_5_1(c5, s5, ck5, sk5, exact, generator, strength)
        return self.merge_conv(_pad(a4 + _up2(a5)))


# (Sequential index, in, out) of the decoder convs after the relu3_1-resolution input; up2 precedes 14 and 21.
_DECODER_TAIL = ((4, 256, 256), (7, 256, 256), (10, 256, 128), (14, 128, 128), (17, 128, 64), (21, 64, 64),
                 (24, 64, 3))
_UP_BEFORE = {14, 21}


def _run_tail(seq, x):
    for idx, _, _ in _DECODER_TAIL:
        if idx in _UP_BEFORE:
            x = _up2(x)
        x = getattr(seq, str(idx))(_pad(x))
        if idx != 24:
            x = F.relu(x)
    return x


def _sequential(first_in, first_index=1):
    """An nn.Module whose conv children are named by their official Sequential index."""
    seq = nn.Module()
    seq.add_module(str(first_index), nn.Conv2d(first_in, 256, 3))
    for idx, cin, cout in _DECODER_TAIL:
        seq.add_module(str(idx), nn.Conv2d(cin, cout, 3))
    return seq


class Decoder(nn.Module):
    """Image decoder: relu4_1-resolution transformer output + relu3_1 skip → RGB."""

    def __init__(self):
        super().__init__()
        self.decoder_layer_1 = nn.Module()
        self.decoder_layer_1.add_module("1", nn.Conv2d(512, 256, 3))
        self.decoder_layer_2 = _sequential(512)

    def forward(self, cs, skip):
        x = _up2(F.relu(getattr(self.decoder_layer_1, "1")(_pad(cs))))
        x = torch.cat((x, skip), 1)  # official order: decoder output first, then the skip features
        x = F.relu(getattr(self.decoder_layer_2, "1")(_pad(x)))
        return _run_tail(self.decoder_layer_2, x)


class VideoDecoder(nn.Module):
    """Video decoder (inference_frame.py): relu3_1 features → RGB, keys `decoder.N.*`."""

    def __init__(self):
        super().__init__()
        self.decoder = _sequential(256)

    def forward(self, x):
        x = F.relu(getattr(self.decoder, "1")(_pad(x)))
        return _run_tail(self.decoder, x)


# --- whole models -----------------------------------------------------------------------------------------

class ImageModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder(5)
        self.adaattn_3 = AdaAttN(256, 64 + 128 + 256, MAX_SAMPLE["relu3_1"])
        self.transformer = Transformer()
        self.decoder = Decoder()
        self.encoder.requires_grad_(False)

    def stylize_features(self, cf, sf, exact=False, generator=None, strength=None):
        keys = lambda feats, lvl: level_key(feats, lvl)  # noqa: E731
        skip = self.adaattn_3(cf[2], sf[2], keys(cf, 2), keys(sf, 2), exact, generator, strength)
        cs = self.transformer(cf[3], sf[3], cf[4], sf[4], keys(cf, 3), keys(sf, 3), keys(cf, 4), keys(sf, 4),
                              exact, generator, strength)
        return self.decoder(cs, skip), skip, cs

    def forward(self, content, style, exact=False, generator=None, strength=None):
        return self.stylize_features(self.encoder(content), self.encoder(style), exact, generator, strength)[0]

    def trainable_state(self):
        """The three official checkpoint files' state dicts."""
        return {"transformer": self.transformer.state_dict(), "adaattn3": self.adaattn_3.state_dict(),
                "decoder": self.decoder.state_dict()}


class VideoModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder(3)
        self.adaattn_3 = AdaAttN(256, 64 + 128 + 256, MAX_SAMPLE["relu4_1"], cosine=True)
        self.decoder = VideoDecoder()
        self.encoder.requires_grad_(False)

    def stylize_features(self, cf, sf, exact=False, generator=None, strength=None):
        return self.decoder(self.adaattn_3(cf[2], sf[2], level_key(cf, 2), level_key(sf, 2), exact, generator,
                                           strength))

    def forward(self, content, style, exact=False, generator=None, strength=None):
        return self.stylize_features(self.encoder(content), self.encoder(style), exact, generator, strength)

    def trainable_state(self):
        return {"adaattn3": self.adaattn_3.state_dict(), "decoder": self.decoder.state_dict()}


def init_official(module, std=0.02):
    """The authors' init_net('normal', 0.02): conv weights ~ N(0, std), biases 0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, 0.0, std)
            nn.init.zeros_(m.bias)
