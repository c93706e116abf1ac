"""The Python side of sharded model directories (the npm model packages split files over 16 MiB): the
training and fixture tools read packages/model-* through safetensors_io.load_component."""
import hashlib
import json
import os
import shutil
import sys
import tempfile
import unittest

import torch

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools", "pysrc"))

from adaattn_torch import safetensors_io  # noqa: E402


def sha(data):
    return hashlib.sha256(data).hexdigest()


class ShardedModelFiles(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.tensors = {"0.weight": torch.arange(24, dtype=torch.float32).reshape(2, 3, 2, 2), "0.bias": torch.ones(2)}
        whole = os.path.join(self.dir, "whole.safetensors")
        safetensors_io.save(self.tensors, whole)
        with open(whole, "rb") as f:
            self.data = f.read()
        os.remove(whole)
        cut = len(self.data) // 2
        shards = []
        for i, part in enumerate((self.data[:cut], self.data[cut:])):
            name = f"decoder.safetensors.part-{i + 1}"
            with open(os.path.join(self.dir, name), "wb") as f:
                f.write(part)
            shards.append({"path": name, "bytes": len(part), "sha256": sha(part)})
        self.entry = {"path": "decoder.safetensors", "dtype": "float32", "bytes": len(self.data), "sha256": sha(self.data),
                      "shards": shards}
        self.write_manifest()

    def write_manifest(self):
        with open(os.path.join(self.dir, "model.json"), "w") as f:
            json.dump({"files": {"decoder": self.entry}}, f)

    def test_joins_the_shards_in_order(self):
        loaded = safetensors_io.load_component(self.dir, "decoder")
        self.assertEqual(sorted(loaded), sorted(self.tensors))
        self.assertTrue(torch.equal(loaded["0.weight"], self.tensors["0.weight"]))

    def test_refuses_a_changed_shard_or_shards_that_do_not_make_the_whole(self):
        with open(os.path.join(self.dir, "decoder.safetensors.part-2"), "r+b") as f:
            f.write(b"\0")
        with self.assertRaisesRegex(ValueError, r"part-2: size or sha256 differs from model\.json"):
            safetensors_io.load_component(self.dir, "decoder")
        self.setUp()
        self.entry["sha256"] = sha(b"something else")
        self.write_manifest()
        with self.assertRaisesRegex(ValueError, "do not join to model.json's sha256"):
            safetensors_io.load_component(self.dir, "decoder")

    def test_shipped_models_load(self):
        for variant, components in (("image", ("encoder", "transformer", "adaattn3", "decoder")),
                                    ("video", ("encoder", "adaattn3", "decoder"))):
            folder = os.path.join(REPO, "packages", f"model-{variant}")
            for component in components:
                self.assertTrue(safetensors_io.load_component(folder, component, dtype=None), (variant, component))


if __name__ == "__main__":
    unittest.main()
