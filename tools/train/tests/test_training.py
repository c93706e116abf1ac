"""Checks of the training tool (run: `npm test -w @adaattn/tools`, or
PYTHONPATH=tools/pysrc /usr/bin/python3 -m unittest discover -s tools/train/tests)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN = os.path.dirname(HERE)
REPO = os.path.abspath(os.path.join(TRAIN, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools", "pysrc"))

from adaattn_torch import safetensors_io  # noqa: E402
from adaattn_torch import metrics  # noqa: E402
from adaattn_torch.colour_anchor import anchor_colour_means, anchor_weight  # noqa: E402
from adaattn_torch.losses import blend_targets, global_style_loss, local_feature_targets  # noqa: E402
from adaattn_torch.model import AdaAttN, Encoder, ImageModel, VideoModel, attention_stats, mean_std  # noqa: E402
from adaattn_torch.normalise import normalise_encoder  # noqa: E402

ENV = dict(os.environ, PYTHONPATH=os.path.join(REPO, "tools", "pysrc"))
_bundle = None


def tiny_bundle():
    """A bundle of a few shared images, made once per test run (needs ../shared)."""
    global _bundle
    if _bundle is None:
        _bundle = tempfile.mkdtemp(prefix="adaattn-bundle-")
        subprocess.run([sys.executable, os.path.join(TRAIN, "make_bundle.py"), "--out", _bundle, "--content", "6",
                        "--style", "4", "--side", "72", "--norm-images", "2"], check=True, env=ENV,
                       stdout=subprocess.DEVNULL)
    return _bundle


def train(out, *extra):
    args = [sys.executable, os.path.join(TRAIN, "train.py"), "--bundle", tiny_bundle(), "--out", out, "--batch", "2",
            "--crop", "32", "--iters", "6", "--ckpt-every", "100", "--log-every", "1", "--threads", "1",
            "--grid-size", "16", *extra]
    subprocess.run(args, check=True, env=ENV, stdout=subprocess.DEVNULL)


class OfficialNames(unittest.TestCase):
    def test_state_dicts_use_the_official_checkpoint_keys(self):
        m = ImageModel()
        state = m.trainable_state()
        self.assertIn("attn_adain_5_1.f.weight", state["transformer"])
        self.assertEqual(tuple(state["transformer"]["attn_adain_5_1.f.weight"].shape), (1472, 1472, 1, 1))
        self.assertEqual(tuple(state["adaattn3"]["f.weight"].shape), (448, 448, 1, 1))
        self.assertEqual(sorted(k for k in state["decoder"] if k.endswith("weight"))[:2],
                         ["decoder_layer_1.1.weight", "decoder_layer_2.1.weight"])
        self.assertIn("decoder.24.weight", VideoModel().trainable_state()["decoder"])
        self.assertEqual(list(Encoder(3).state_dict())[-1], "16.bias")

    def test_official_adaattn3_checkpoint_loads_into_our_module(self):
        path = os.path.join(REPO, "..", "shared", "fixtures", "official", "latest_net_adaattn_3.pth")
        if not os.path.exists(path):
            self.fail(f"{path} not found: ../shared must sit beside the repository")
        ImageModel().adaattn_3.load_state_dict(torch.load(path, map_location="cpu"))


class Normalisation(unittest.TestCase):
    def test_features_become_the_originals_divided_by_their_channel_means(self):
        torch.manual_seed(0)
        enc = Encoder(5)
        for p in enc.parameters():
            torch.nn.init.normal_(p, 0.05, 0.05)  # positive-leaning so few channels die
        state = enc.state_dict()
        photos = [torch.rand(2, 3, 40, 48)]
        new_state, means = normalise_encoder(state, photos)
        normed = Encoder(5)
        normed.load_state_dict(new_state)
        x = photos[0]
        for (i, a), (_, b) in zip(enc.activations(x), normed.activations(x)):
            expected = a / means[i].view(1, -1, 1, 1)
            self.assertLess(float((expected - b).abs().max() / expected.abs().max()), 1e-4, f"conv {i}")
            self.assertAlmostEqual(float(b.mean((0, 2, 3))[means[i] != 1].mean()), 1.0, places=3)


class AttentionPrecision(unittest.TestCase):
    def test_attention_runs_in_float32_under_autocast(self):
        torch.manual_seed(0)
        q, k, v = torch.randn(1, 64, 30) * 4, torch.randn(1, 64, 50) * 4, torch.rand(1, 8, 50)
        ref_m, ref_s = attention_stats(q, k, v)
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            m, s = attention_stats(q.bfloat16(), k.bfloat16(), v.bfloat16())
        self.assertEqual(m.dtype, torch.float32)
        # Only the bf16 rounding of the inputs remains; logits rounded to bf16 would be off by far more.
        self.assertLess(float((m - ref_m).abs().max()), 0.15)

    def test_local_targets_sample_at_most_4096_style_positions(self):
        feats = [torch.rand(1, c, s, s) for c, s in ((64, 80), (128, 80), (256, 40), (512, 20), (512, 10))]
        targets = local_feature_targets(feats, feats, torch.Generator().manual_seed(0))
        self.assertEqual([tuple(t.shape) for t in targets], [(1, 128, 80, 80), (1, 256, 40, 40), (1, 512, 20, 20),
                                                              (1, 512, 10, 10)])


class Strength(unittest.TestCase):
    """Issue #16: the strength the SDK applies at inference, and the targets training blends with it."""

    def test_strength_zero_gives_back_the_content_feature_and_one_changes_nothing(self):
        torch.manual_seed(0)
        module = AdaAttN(8, 12, 4096)
        c, s, kc, ks = torch.rand(2, 8, 5, 6), torch.rand(2, 8, 4, 4), torch.rand(2, 12, 5, 6), torch.rand(2, 12, 4, 4)
        self.assertLess(float((module(c, s, kc, ks, strength=0.0) - c).abs().max()), 1e-5)
        self.assertTrue(torch.equal(module(c, s, kc, ks, strength=1.0), module(c, s, kc, ks)))
        # one α per sample, as training samples it
        alpha = torch.tensor([0.0, 1.0]).view(2, 1, 1, 1)
        mixed = module(c, s, kc, ks, strength=alpha)
        self.assertLess(float((mixed[0] - c[0]).abs().max()), 1e-5)
        self.assertTrue(torch.allclose(mixed[1], module(c, s, kc, ks)[1]))

    def test_blended_targets_run_from_the_content_to_the_stylized_target(self):
        feats = [torch.rand(2, 4, 6, 6) for _ in range(5)]
        targets = [torch.rand(2, 4, 6, 6) for _ in range(4)]
        self.assertTrue(all(torch.equal(t, f) for t, f in zip(blend_targets(targets, feats, 0.0), feats[1:])))
        self.assertTrue(all(torch.equal(t, u) for t, u in zip(blend_targets(targets, feats, 1.0), targets)))
        half = blend_targets(targets, feats, 0.5)
        self.assertTrue(torch.allclose(half[0], (targets[0] + feats[1]) / 2))

    def test_global_loss_at_strength_zero_targets_the_content_statistics(self):
        content = [torch.rand(1, 4, 6, 6) for _ in range(5)]
        style = [torch.rand(1, 4, 6, 6) * 3 for _ in range(5)]
        self.assertEqual(float(global_style_loss(content, style, content, 0.0)), 0.0)
        self.assertGreater(float(global_style_loss(content, style, content, 1.0)), 0.1)
        mid = [f * 2 for f in content]  # statistics move monotonically along α
        losses = [float(global_style_loss(mid, style, content, a)) for a in (0.0, 0.5, 1.0)]
        self.assertEqual(len(set(losses)), 3)


class Metrics(unittest.TestCase):
    def test_measures_of_the_photo_itself(self):
        torch.manual_seed(0)
        photo, painting = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32) ** 3
        enc = Encoder(5)  # PyTorch's default init keeps activations finite through all 14 convs
        cf, sf = enc(photo), enc(painting)
        m = metrics.report(photo, cf, photo, cf, sf)
        self.assertTrue(torch.all(m["psnr"] >= 99))  # identical images: the 1e-10 floor, 100 dB
        self.assertTrue(torch.all(m["colourShift"] == 0))
        self.assertTrue(torch.allclose(m["styleRatio"], torch.ones(2)))  # as far from the painting as the photo
        self.assertTrue(torch.all(m["contentRatio"] == 0))
        m = metrics.report(painting, sf, photo, cf, sf)
        self.assertTrue(torch.allclose(m["styleRatio"], torch.zeros(2), atol=1e-7))
        self.assertTrue(torch.allclose(m["contentRatio"], torch.ones(2)))

    def test_psnr_and_colour_shift_in_familiar_units(self):
        a = torch.zeros(1, 3, 4, 4)
        b = a + 0.1
        self.assertAlmostEqual(float(metrics.psnr(b, a)), 20.0, places=4)
        self.assertAlmostEqual(float(metrics.colour_shift(b, a)), 25.5, places=4)
        mean, _ = mean_std(b)
        self.assertEqual(tuple(mean.shape), (1, 3, 1, 1))


class ColourAnchor(unittest.TestCase):
    def test_strength_zero_writes_the_photo_means_even_when_most_values_clip(self):
        torch.manual_seed(1)
        photo = torch.rand(2, 3, 16, 16)
        out = (torch.rand(2, 3, 16, 16) - 0.5) * 20 + torch.tensor([2.0, -3.0, 0.3]).view(1, 3, 1, 1)
        anchored = anchor_colour_means(out, photo, anchor_weight(0.0))
        self.assertLess(float(metrics.colour_shift(anchored, photo).max()), 255 * 2e-6)
        shift = anchored - out  # one shift per sample and channel
        self.assertTrue(torch.allclose(shift, shift[:, :, :1, :1].expand_as(shift)))

    def test_a_quarter_of_the_way_at_half_strength_and_nothing_at_full(self):
        torch.manual_seed(2)
        photo, out = torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8) * 1.2
        own, want = out.clamp(0, 1).mean((2, 3)), photo.mean((2, 3))
        got = anchor_colour_means(out, photo, anchor_weight(0.5)).clamp(0, 1).mean((2, 3))
        self.assertTrue(torch.allclose(got, own + 0.25 * (want - own), atol=2e-6))
        self.assertIs(anchor_colour_means(out, photo, anchor_weight(1.0)), out)


class GridSharpness(unittest.TestCase):
    def test_measures_only_the_stylized_block(self):
        sys.path.insert(0, TRAIN)
        import numpy as np
        from PIL import Image
        from report import grid_sharpness
        cell = 8
        grid = np.random.default_rng(0).integers(0, 256, (5 * cell, 5 * cell, 3), dtype=np.uint8)
        # stylized block: vertical stripes, 0 and 10 in turn — every horizontal step 10, every vertical 0
        grid[cell:, cell:] = (np.arange(4 * cell) % 2 * 10).astype(np.uint8)[None, :, None]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "grid.png")
            Image.fromarray(grid).save(path)
            self.assertAlmostEqual(grid_sharpness(path), 5.0, places=9)


class Resume(unittest.TestCase):
    def test_an_interrupted_run_resumes_exactly(self):
        with tempfile.TemporaryDirectory() as d:
            whole, split = os.path.join(d, "whole"), os.path.join(d, "split")
            train(whole, "--variant", "video")
            train(split, "--variant", "video", "--session-iters", "3")
            train(split, "--variant", "video")
            for name in ("adaattn3", "decoder"):
                a = safetensors_io.load(os.path.join(whole, "export", f"{name}.safetensors"))
                b = safetensors_io.load(os.path.join(split, "export", f"{name}.safetensors"))
                for key in a:
                    self.assertTrue(torch.equal(a[key], b[key]), f"{name}.{key}")
            logs = []
            for p in (whole, split):
                with open(os.path.join(p, "log.jsonl")) as f:
                    logs.append([json.loads(line) for line in f])
            strip = lambda rows: [{k: v for k, v in r.items() if k != "sPerIt"} for r in rows]  # noqa: E731
            self.assertEqual(strip(logs[0]), strip(logs[1]))
            with open(os.path.join(split, "export", "training.json")) as f:
                info = json.load(f)
            self.assertEqual(info["iterations"], 6)
            self.assertIn("is", info["validation"])

    def test_strength_training_reports_the_strength_measures(self):
        with tempfile.TemporaryDirectory() as d:
            train(d, "--iters", "2", "--strength-sampling", "--lambda-zero-pixel", "200", "--lambda-id-pixel", "200",
                  "--lambda-id-feat", "3", "--identity-batch", "1")
            with open(os.path.join(d, "export", "training.json")) as f:
                val = json.load(f)["validation"]
            for key in ("psnr@0", "colourShift@0", "styleRatio@0", "styleRatio@0.5", "styleRatio@1",
                        "contentRatio@1", "selfPsnr"):
                self.assertIn(key, val)
            # the comparable total stays the paper's two terms at full strength
            self.assertAlmostEqual(val["total"], val["global"] + val["local"], places=4)
            with open(os.path.join(d, "log.jsonl")) as f:
                row = json.loads(f.readline())
            self.assertTrue({"zeroPixel", "idPixel", "idFeat"} <= set(row))


class StrengthEndpoint(unittest.TestCase):
    def test_the_gate_is_the_model_at_full_strength_and_the_endpoint_at_zero(self):
        sys.path.insert(0, TRAIN)
        from train import attach_strength_gate, endpoint_modules, stylize
        torch.manual_seed(1)
        model, gated = VideoModel(), VideoModel()
        gated.load_state_dict(model.state_dict())
        params = attach_strength_gate(gated, "video")
        self.assertEqual(len(params), 2 * len(endpoint_modules(gated, "video")))
        for p in params:
            p.data.add_(0.01 * torch.randn_like(p))  # W₀ ≠ W
        enc = Encoder(3)
        feats = enc(torch.rand(1, 3, 32, 32))
        gen = lambda: torch.Generator().manual_seed(0)  # noqa: E731
        with torch.no_grad():
            self.assertTrue(torch.equal(stylize(gated, feats, feats, gen(), None), stylize(model, feats, feats, gen(), None)))
            at_zero = stylize(gated, feats, feats, gen(), 0.0)
            for conv, p in zip(endpoint_modules(model, "video").values(), params[::2]):
                conv.weight.data.copy_(p.data)
            for conv, p in zip(endpoint_modules(model, "video").values(), params[1::2]):
                conv.bias.data.copy_(p.data)
            self.assertTrue(torch.allclose(at_zero, stylize(model, feats, feats, gen(), 0.0), atol=1e-6))

    def test_the_shipped_endpoints_hold_exactly_the_endpoint_layers(self):
        sys.path.insert(0, TRAIN)
        from train import endpoint_modules
        for variant, model in (("image", ImageModel()), ("video", VideoModel())):
            path = os.path.join(REPO, "packages", f"model-{variant}", "strength.safetensors")
            shipped = safetensors_io.load(path)
            expected = {f"{name}.{attr}": getattr(conv, attr).shape for name, conv in endpoint_modules(model, variant).items()
                        for attr in ("weight", "bias")}
            self.assertEqual({k: tuple(v.shape) for k, v in shipped.items()}, {k: tuple(v) for k, v in expected.items()})

    def test_endpoint_training_exports_only_the_strength_layers(self):
        with tempfile.TemporaryDirectory() as d:
            train(d, "--variant", "video", "--iters", "2", "--strength-endpoint", "--lambda-zero-pixel", "300",
                  "--lambda-zero-colour", "3000")
            self.assertEqual(sorted(os.listdir(os.path.join(d, "export"))), ["strength.safetensors", "training.json"])
            w0 = safetensors_io.load(os.path.join(d, "export", "strength.safetensors"))
            decoder = VideoModel().trainable_state()["decoder"]
            self.assertEqual(sorted(w0), sorted(f"decoder.{k}" for k in decoder))
            for k, v in decoder.items():
                self.assertEqual(w0[f"decoder.{k}"].shape, v.shape)
            with open(os.path.join(d, "log.jsonl")) as f:
                row = json.loads(f.readline())
            self.assertTrue({"zeroPixel", "zeroColour"} <= set(row))


def tearDownModule():
    if _bundle is not None:
        import shutil
        shutil.rmtree(_bundle, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
