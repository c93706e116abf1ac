"""Turn a training run's float16 export into an SDK model directory (docs/ARCHITECTURE.md, "Model directory"):
model.json + encoder/transformer/adaattn3/decoder safetensors with the official key names.

    /usr/bin/python3 tools/train/export_model.py --run tools/train/runs/gpu2/image --bundle .bundle \
        --out packages/model-image --name adaattn-sdk-image-v1 [--previous tools/train/runs/gpu1/image]

--previous names earlier runs this one continued from (their iterations and validation go into provenance).
--out may be a model package (packages/model-image): only its model files are replaced (package.json, README
and LICENSE stay), then tools/release/shard-model.mjs splits files over 16 MiB for the npm CDNs (needs
`npm run build` of @adaattn/core first; --no-shard skips it).
"""
import argparse
import hashlib
import json
import os
import glob
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pysrc"))
from adaattn_torch import safetensors_io  # noqa: E402
from adaattn_torch.model import Encoder  # noqa: E402

COMPONENTS = {"image": ("encoder", "transformer", "adaattn3", "decoder"), "video": ("encoder", "adaattn3", "decoder")}
ARCHITECTURE = {
    "image": {"encoder": "vgg19-relu5_1", "shallowLayer": True, "skipConnection3": True,
              "maxSample": {"relu3_1": 4096, "relu4_1": 65536, "relu5_1": 65536}, "seed": 6666},
    "video": {"encoder": "vgg19-relu3_1", "shallowLayer": True, "maxSample": {"relu3_1": 65536}, "seed": 6666},
}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, help="a run folder holding export/ (train.py --out)")
    ap.add_argument("--bundle", required=True, help="the bundle the run trained with (its encoder is shipped)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--previous", nargs="*", default=[], help="earlier runs this one continued from")
    ap.add_argument("--no-shard", action="store_true", help="keep every file whole (a local directory, not a package)")
    args = ap.parse_args()
    with open(os.path.join(args.run, "export", "training.json")) as f:
        training = json.load(f)
    variant = training["variant"]
    tmp = args.out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)

    enc = safetensors_io.load(os.path.join(args.bundle, "encoder.safetensors"), dtype=None)
    keep = Encoder(5 if variant == "image" else 3).indices  # the video model needs the encoder to relu3_1 only
    safetensors_io.save({k: v.half() for k, v in enc.items() if int(k.split(".")[0]) in keep},
                        os.path.join(tmp, "encoder.safetensors"))
    for name in COMPONENTS[variant][1:]:
        shutil.copyfile(os.path.join(args.run, "export", f"{name}.safetensors"), os.path.join(tmp, f"{name}.safetensors"))

    files = {}
    for name in COMPONENTS[variant]:
        p = os.path.join(tmp, f"{name}.safetensors")
        files[name] = {"path": f"{name}.safetensors", "dtype": "float16", "bytes": os.path.getsize(p), "sha256": sha256(p)}

    stages = []
    for run in args.previous + [args.run]:
        with open(os.path.join(run, "export", "training.json")) as f:
            t = json.load(f)
        stages.append({"iterations": t["iterations"], "device": t["device"], "trainSeconds": t["trainSeconds"],
                       "config": t["config"], "validation": t["validation"]})
    with open(os.path.join(args.bundle, "bundle.json")) as f:
        bundle = json.load(f)
    provenance = {
        "trainedBy": "tools/train/train.py (this repository)",
        "encoder": "ImageNet VGG-19 (Simonyan & Zisserman, CC BY 4.0) from ../shared/models/vgg19, channel-normalised "
                   f"over {bundle['normImages']} training photos by tools/train/make_bundle.py",
        "data": "../shared/data/train (see its MANIFEST.csv for sources and licences; several sets are research-only)",
        "dataManifestSha256": bundle["manifestSha256"],
        "iterations": sum(s["iterations"] for s in stages),
        "stages": stages,
        "validation": training["validation"],
        "validationSet": "../shared/data/samples: every photo × painting pair, 256×256 centre crops",
    }
    config = {"format": "adaattn-model", "formatVersion": 1, "name": args.name, "variant": variant,
              "architecture": ARCHITECTURE[variant], "files": files, "provenance": provenance}
    with open(os.path.join(tmp, "model.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    # Replace the model files only: a package directory keeps its package.json, README and LICENSE.
    os.makedirs(args.out, exist_ok=True)
    for old in glob.glob(os.path.join(args.out, "*.safetensors*")) + glob.glob(os.path.join(args.out, "model.json")):
        os.remove(old)
    for name in sorted(os.listdir(tmp), key=lambda n: n == "model.json"):  # model.json last
        os.replace(os.path.join(tmp, name), os.path.join(args.out, name))
    os.rmdir(tmp)
    if not args.no_shard:
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
        subprocess.run(["node", os.path.join(root, "tools", "release", "shard-model.mjs"), args.out], check=True)
    total = sum(v["bytes"] for v in files.values())
    print(f"{args.out}: {variant} model, {total / 1e6:.1f} MB float16, {provenance['iterations']} iterations")


if __name__ == "__main__":
    main()
