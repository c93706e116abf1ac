#!/bin/sh
# Installs Debian's redis-server for the @adaattn/queue tests, which start their own (127.0.0.1, a free port,
# no persistence) and stop it; without it those tests are skipped. Idempotent; needs root (CI and sessions run as root).
set -eu
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends redis-server >/dev/null
redis-server --version
