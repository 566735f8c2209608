#!/usr/bin/env bash
# Runs on the lent GPU machine after gpu-checks.sh (same carry; about 6 minutes): per-kernel GPU times of one decode
# step and one prefill chunk on the 8-layer flash-width checkpoint (ncu, CSV to $OUT), then expert offload with
# decode graphs off and on.
source "$(dirname "$0")/lib.sh" gpu-profile
NCU=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
step synth-flash8; [ -f /tmp/flash8/config.json ] || timeout 120 ./fathom-synth --preset flash --layers 8 --out /tmp/flash8 --seed 1 | tail -1
step "sync (the checkpoint just written is flushed before anything is measured)"; time sync
for phase in decode prefill; do
  step "ncu $phase"
  timeout 120 "$NCU" --clock-control none --profile-from-start off --launch-count 1200 --metrics gpu__time_duration.sum \
    --csv --print-units base ./fathom-bench gpu-forward --model /tmp/flash8 --chunk 2048 --contexts 1024 --profile $phase \
    > "$OUT/ncu-$phase.csv" 2> "$OUT/ncu-$phase.err"; echo "rc $? lines $(wc -l < "$OUT/ncu-$phase.csv")"
done
for graphs in 0 1; do
  step "offload 24 GB, decode graphs $graphs"
  FATHOM_CUDA_GRAPHS=$graphs timeout 170 ./fathom-bench offload --model /tmp/flash8 --gpu-budget 24 --prefill 8192,32768 --context 1024 --steps 32 \
    2>&1 | grep -E "^decode|^prefill|steps so far|floor|bandwidth"
done
step done
