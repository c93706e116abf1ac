#!/bin/sh
# Installs Debian's pyflakes, the linter `npm run lint:py` runs over tools/ (ruff is not packaged in Debian 12
# and CI has no PyPI). Idempotent; needs root (CI and sessions run as root).
set -eu
if /usr/bin/python3 -m pyflakes --version >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3-pyflakes >/dev/null
/usr/bin/python3 -m pyflakes --version
