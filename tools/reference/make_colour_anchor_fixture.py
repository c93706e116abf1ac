#!/usr/bin/python3
"""Colour-anchor parity fixture: what core's `anchorColorMeans` (packages/core/src/pixels/color.ts) must
reproduce, computed by the Python reference (tools/pysrc/adaattn_torch/colour_anchor.py) in float64.

    PYTHONPATH=tools/pysrc /usr/bin/python3 tools/reference/make_colour_anchor_fixture.py

Writes packages/core/src/__fixtures__/colour-anchor/colour-anchor.safetensors (float32): for each case
`<case>.output` (unclamped, [1,3,H,W]), `<case>.content` and `<case>.anchored`, with each case's weight in the
metadata. The cases are the solver's hard ones: most values clipped (Newton steps leave the bracket), a mild
shift at weight 0.25 (strength 0.5), and a channel wholly above 1 (slope 0 where it starts) beside targets of
exactly 0 and 1."""
import json
import os

import torch

from adaattn_torch import safetensors_io
from adaattn_torch.colour_anchor import anchor_colour_means

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'core', 'src', '__fixtures__', 'colour-anchor', 'colour-anchor.safetensors')


def cases():
    g = torch.Generator().manual_seed(16)
    rand = lambda *shape: torch.rand(*shape, generator=g, dtype=torch.float64)  # noqa: E731
    clipped = (rand(1, 3, 12, 10) - 0.5) * 20 + torch.tensor([2.0, -3.0, 0.3], dtype=torch.float64).view(1, 3, 1, 1)
    yield 'clipped', clipped, rand(1, 3, 12, 10), 1.0
    yield 'mild', rand(1, 3, 9, 11) * 1.2 - 0.1, rand(1, 3, 9, 11) ** 2, 0.25
    edges = rand(1, 3, 8, 8)
    edges[0, 0] += 1.5  # wholly above 1
    content = rand(1, 3, 8, 8)
    content[0, 1] = 0.0  # target exactly 0
    content[0, 2] = 1.0  # target exactly 1
    yield 'edges', edges, content, 1.0


def main():
    tensors, weights = {}, {}
    for name, output, content, weight in cases():
        output, content = output.float().double(), content.float().double()  # what the TS side reads
        tensors.update({f'{name}.output': output, f'{name}.content': content,
                        f'{name}.anchored': anchor_colour_means(output, content, weight)})
        weights[name] = weight
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    safetensors_io.save({k: v.float() for k, v in tensors.items()}, OUT,
                        metadata={'generator': 'tools/reference/make_colour_anchor_fixture.py', 'weights': json.dumps(weights)})
    print(f'wrote {os.path.relpath(OUT, ROOT)} ({os.path.getsize(OUT)} bytes)')


if __name__ == '__main__':
    main()
