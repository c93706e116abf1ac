#!/usr/bin/env bash
# One-shot training run on a lent GPU machine (only the working tree travels: carry .bundle).
# Trains the image and the video model side by side for BUDGET seconds each, then packs the float16
# exports, logs and sample grids into ≤15 MB parts under $OUT (the device tool returns files ≤16 MiB).
#   bash tools/train/gpu_run.sh [BUDGET_SECONDS]      → $OUT/pack.tgz.part-*
# Environment: BUNDLE (default .bundle), VARIANTS (default "image video"), EXTRA (more train.py arguments,
# e.g. "--init tools/train/runs/gpu1/image/export --lr 1e-4" to continue from an earlier export).
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
BUNDLE=${BUNDLE:-.bundle}
VARIANTS=${VARIANTS:-image video}
for variant in $VARIANTS; do
  timeout $((BUDGET + 90)) python3 tools/train/train.py --bundle "$BUNDLE" --out "$RUN/$variant" --variant "$variant" \
    --iters 200000 --time-budget "$BUDGET" --fit-iters-to-budget --ckpt-every 3000 --log-every 25 \
    --grid-size 192 --channels-last ${EXTRA:-} > "$RUN/$variant.log" 2>&1 &
done
wait
cd "$RUN" && for v in $VARIANTS; do tail -n 4 "$v.log"; rm -f "$v/checkpoint.pt"; done
tar czf /tmp/pack.tgz $VARIANTS $(for v in $VARIANTS; do echo "$v.log"; done) && cd - > /dev/null
split -b 15m /tmp/pack.tgz "$OUTDIR/pack.tgz.part-"
ls -la "$OUTDIR"
