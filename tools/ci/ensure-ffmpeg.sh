#!/bin/sh
# Installs Debian's ffmpeg so the `adaattn video` tests also cover video files (without it they cover frame
# directories and the "ffmpeg missing" message only). Idempotent; needs root (CI and sessions run as root).
set -eu
if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
ffmpeg -version | head -n 1
