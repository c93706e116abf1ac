#!/usr/bin/env bash
# One-shot training run on a lent GPU machine (only the working tree travels: carry .bundle).
# Trains the image and the video model side by side for BUDGET seconds each, then packs the float16
# exports, logs and sample grids into ≤15 MB parts under $OUT (the device tool returns files ≤16 MiB).
#   bash tools/train/gpu_run.sh [BUDGET_SECONDS]      → $OUT/pack.tgz.part-*
# Reassemble here with: cat pack.tgz.part-* | tar xz -C tools/train/runs/gpu
set -u
BUDGET=${1:-420}
OUTDIR=${OUT:-/tmp/gpu-out}
RUN=/tmp/adaattn-run
cd "$(dirname "$0")/../.."
mkdir -p "$RUN" "$OUTDIR"
export PYTHONPATH=tools/pysrc PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,clocks.sm --format=csv,noheader || true
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0))"
for variant in image video; do
  timeout $((BUDGET + 90)) python3 tools/train/train.py --bundle .bundle --out "$RUN/$variant" --variant "$variant" \
    --iters 200000 --time-budget "$BUDGET" --fit-iters-to-budget --ckpt-every 3000 --log-every 25 \
    --grid-size 192 --channels-last > "$RUN/$variant.log" 2>&1 &
done
wait
tail -n 4 "$RUN/image.log" "$RUN/video.log"
(cd "$RUN" && rm -f image/checkpoint.pt video/checkpoint.pt && tar czf /tmp/pack.tgz image video image.log video.log)
split -b 15m /tmp/pack.tgz "$OUTDIR/pack.tgz.part-"
ls -la "$OUTDIR"
