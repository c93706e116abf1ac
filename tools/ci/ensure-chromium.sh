#!/bin/sh
# Installs Debian's chromium for the headless browser tests (plugins' end-to-end tests drive it with
# playwright-core, whose own browser download cannot run here). Idempotent: does nothing when
# /usr/bin/chromium is already there. Needs root (CI and sessions run as root).
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
