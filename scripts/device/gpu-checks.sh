#!/usr/bin/env bash
# Runs on the lent GPU machine (device tool: command "bash scripts/device/gpu-checks.sh", carry [".carry"] made by
# scripts/device/pack.sh): the new work's checks first (kernels, decode graphs, golden with and without graphs), the
# flash-width GPU benchmark (graphs off and on, the GEMV grid A/B), then the other gpu-labelled checks. The log goes
# to $OUT/gpu-checks.log. Steps are capped; the least urgent come last in case the 10-minute call limit cuts them.
source "$(dirname "$0")/lib.sh" gpu-checks
export FATHOM_TINY_A=$PWD/tiny
T=$FATHOM_TINY_A
nvidia-smi -L
step kernels; timeout 120 ./engine_cuda_kernels 2>&1 | grep -E "PASS|FAIL|passed|draws|values off"
step decode-graph; FATHOM_CUDA_GRAPH_LOG=1 timeout 60 ./engine_cuda_decode_graph 2>&1 | grep -E "PASS|FAIL|graphs|recorded|failed|turned off"
step golden; timeout 60 ./fathom-cli eval --device cuda --model $T --golden $T --out /tmp/g.safetensors && ./fathom-cli check --golden $T --out /tmp/g.safetensors --blocks-only | tail -1
step golden-graphs; FATHOM_CUDA_GRAPHS=1 timeout 60 ./fathom-cli eval --device cuda --model $T --golden $T --out /tmp/gg.safetensors && ./fathom-cli check --out /tmp/gg.safetensors --same-as /tmp/g.safetensors | tail -2
for persistent in 1 0; do
  step "gpu-linear, FATHOM_GEMV_PERSISTENT=$persistent"; FATHOM_GEMV_PERSISTENT=$persistent timeout 60 ./fathom-bench gpu-linear 2>&1 | head -24
done
step synth-flash8; [ -f /tmp/flash8/config.json ] || timeout 120 ./fathom-synth --preset flash --layers 8 --out /tmp/flash8 --seed 1 | tail -1
step "sync (the checkpoint just written is flushed before anything is measured)"; time sync
step gpu-forward; timeout 100 ./fathom-bench gpu-forward --model /tmp/flash8 --chunk 2048 --contexts 1024,8192,32768
step gpu-forward-graphs; FATHOM_CUDA_GRAPHS=1 FATHOM_CUDA_GRAPH_LOG=1 timeout 100 ./fathom-bench gpu-forward --model /tmp/flash8 --chunk 2048 --contexts 1024,8192,32768
step gpu-forward-gemv-one-block-per-16-rows; FATHOM_GEMV_PERSISTENT=0 timeout 60 ./fathom-bench gpu-forward --model /tmp/flash8 --chunk 2048 --contexts 1024 | grep -E "^decode|^prefill"
step gpu-engine; timeout 60 ./engine_cuda_gpu_engine 2>&1 | grep -v "\[info\]"
for v in "0 cpu pinned" "1 stream mapped" "3 auto pinned"; do
  set -- $v
  step "offload $*"; timeout 60 ./fathom-cli eval --device cuda --gpu-experts $1 --expert-miss $2 --host-experts $3 --model $T --golden $T --out /tmp/o.safetensors && ./fathom-cli check --golden $T --out /tmp/o.safetensors --blocks-only | tail -1
done
step restore-at-530; rm -f /tmp/r.db; timeout 60 ./fathom-cli eval --device cuda --model $T --golden $T --split-at 530 --out /tmp/r1.safetensors && ./fathom-cli eval --device cuda --model $T --golden $T --restore-at 530 --cache-db /tmp/r.db --out /tmp/r2.safetensors && ./fathom-cli check --out /tmp/r2.safetensors --same-as /tmp/r1.safetensors
step done
