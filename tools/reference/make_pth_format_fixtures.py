#!/usr/bin/python3
"""Writes tiny PyTorch checkpoints that exercise the .pth reader in packages/core/src/weights/pth.ts.

Run with Debian's PyTorch (the pyenv `python3` on PATH has no torch):

    /usr/bin/python3 tools/reference/make_pth_format_fixtures.py

Outputs (a few KB each) go to packages/core/src/weights/__fixtures__/ and are committed:

  legacy.pth              pre-1.6 format (_use_new_zipfile_serialization=False), the format of vgg_normalised.pth
  zip.pth                 the same tensors in the zip format (PyTorch >= 1.6)
  dataparallel.pth        a nn.DataParallel state_dict: `module.` prefixes and `_metadata` (zip, custom archive name)
  dataparallel_legacy.pth the same in the legacy format
  expected.json           every tensor's shape and values (as float64; ±Infinity/NaN as strings), what the reader must produce

The tensors cover every storage dtype the reader widens, non-contiguous views (transpose, step slices,
expand with stride 0), storage offsets into a shared storage, scalars and empty tensors.
"""
import json
import math
import os
from collections import OrderedDict

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'packages', 'core', 'src', 'weights', '__fixtures__')


def format_tensors():
    base = torch.arange(10, dtype=torch.float32) * 0.5  # shared by the three views below
    half_matrix = (torch.arange(6, dtype=torch.float32).reshape(2, 3) / 3).to(torch.float16)
    return OrderedDict([
        ('conv.weight', torch.arange(24, dtype=torch.float32).reshape(2, 3, 2, 2) * 0.25 - 3),
        ('conv.bias', torch.tensor([0.25, -0.5])),
        ('transposed', torch.arange(12, dtype=torch.float32).reshape(3, 4).t()),  # strides (1, 4)
        ('base', base),
        ('offset_view', base[3:7]),  # storage offset 3, contiguous
        ('strided_view', base[1::3]),  # storage offset 1, stride 3
        ('expanded', torch.tensor([1.0, 2.0]).expand(3, 2)),  # stride 0 on the first dim
        ('half', torch.tensor([1, -2, 1 / 3, 65504, 6e-8, float('inf')], dtype=torch.float16)),
        ('half_transposed', half_matrix.t()),
        ('bfloat', torch.tensor([1, -3, 3.140625, 1e-20], dtype=torch.bfloat16)),
        ('double', torch.tensor([[1.5, -2.25]], dtype=torch.float64)),
        ('long', torch.tensor([-3, 2 ** 40], dtype=torch.int64)),
        ('int', torch.tensor([-7, 5], dtype=torch.int32)),
        ('short', torch.tensor([-300, 300], dtype=torch.int16)),
        ('int8', torch.tensor([-128, 127], dtype=torch.int8)),
        ('uint8', torch.tensor([0, 255], dtype=torch.uint8)),
        ('bool', torch.tensor([True, False, True])),
        ('scalar', torch.tensor(7.0)),
        ('empty', torch.zeros(0, 3)),
    ])


def dataparallel_state_dict():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 1), torch.nn.ReLU(), torch.nn.Conv2d(2, 1, 3))
    return torch.nn.DataParallel(model).state_dict()  # keys `module.0.weight`, …; carries `_metadata`


def json_number(v):
    # JSON has no Infinity/NaN: write them as the strings JavaScript's Number() parses back.
    if math.isfinite(v):
        return float(v)
    return 'NaN' if math.isnan(v) else ('Infinity' if v > 0 else '-Infinity')


def describe(tensors, strip_module=False):
    out = OrderedDict()
    for key, value in tensors.items():
        name = key[len('module.'):] if strip_module and key.startswith('module.') else key
        out[name] = {
            'shape': list(value.shape),
            'values': [json_number(v) for v in value.detach().to(torch.float64).reshape(-1).tolist()],
        }
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    tensors = format_tensors()
    torch.save(tensors, os.path.join(OUT, 'legacy.pth'), _use_new_zipfile_serialization=False)
    torch.save(tensors, os.path.join(OUT, 'zip.pth'))
    parallel = dataparallel_state_dict()
    torch.save(parallel, os.path.join(OUT, 'dataparallel.pth'))
    torch.save(parallel, os.path.join(OUT, 'dataparallel_legacy.pth'), _use_new_zipfile_serialization=False)

    # Check the files load back in torch itself before recording the expectations.
    for name in ('legacy.pth', 'zip.pth'):
        loaded = torch.load(os.path.join(OUT, name))
        for key, value in tensors.items():
            assert torch.equal(loaded[key], value), (name, key)

    expected = {
        'format_tensors': describe(tensors),
        'dataparallel': describe(parallel, strip_module=True),
    }
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1, allow_nan=False)
        f.write('\n')
    print('wrote', sorted(os.listdir(OUT)))


if __name__ == '__main__':
    main()
