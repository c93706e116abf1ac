#!/bin/sh
# Installs Debian's PyTorch for the training tool's tests and the PyTorch reference (benchmarks, fixtures).
# Idempotent; needs root (CI and sessions run as root). Uses /usr/bin/python3 (Debian's), not a pyenv one.
# libopenblas0-pthread matters: without it Debian's torch links the reference BLAS, whose batched matrix
# products run ~14x slower here (3.8 vs 53 GFLOP/s measured) and would make every PyTorch timing meaningless.
set -eu
if /usr/bin/python3 -c "import torch, PIL, numpy" 2>/dev/null && [ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3-torch python3-pil python3-numpy libopenblas0-pthread >/dev/null
/usr/bin/python3 -c "import torch; print('torch', torch.__version__)"
