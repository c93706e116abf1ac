#!/bin/sh
# Installs Debian's PyTorch for the training tool's tests and the PyTorch reference (benchmarks, fixtures).
# Idempotent; needs root (CI and sessions run as root). Uses /usr/bin/python3 (Debian's), not a pyenv one.
set -eu
if /usr/bin/python3 -c "import torch, PIL, numpy" 2>/dev/null; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3-torch python3-pil python3-numpy >/dev/null
/usr/bin/python3 -c "import torch; print('torch', torch.__version__)"
