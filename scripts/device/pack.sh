#!/usr/bin/env bash
# Packs what the lent GPU machine needs into .carry/ (ignored by git; pass carry [".carry"] to the device tool):
# stripped binaries from a CUDA build, the shared libraries Debian's packages put on this machine only, and the
# v4-tiny-a fixture (../shared does not travel). Usage: scripts/device/pack.sh [BUILD_DIR]  (default build-me)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-me}
stage=$(mktemp -d)
for b in fathom-bench fathom-cli fathom-synth engine_cuda_kernels engine_cuda_gpu_engine engine_cuda_decode_graph engine_cpu_linear_amx \
         engine_cpu_expert_batch; do
  strip -o "$stage/$b" "$build/bin/$b"
done
mkdir -p .carry/lib .carry/tiny
tar cJf .carry/bin.tar.xz -C "$stage" .
rm -rf "$stage"
cp -L /lib/x86_64-linux-gnu/libspdlog.so.1.10 /lib/x86_64-linux-gnu/libfmt.so.9 /lib/x86_64-linux-gnu/libsqlite3.so.0 .carry/lib/
tiny=../shared/fixtures/v4-tiny-a
for f in config.json golden_fp32.safetensors golden_layers_fp32_0.safetensors golden_layers_fp32_1.safetensors \
         model-00001-of-00002.safetensors model-00002-of-00002.safetensors model.safetensors.index.json stats.json; do
  cp "$tiny/$f" .carry/tiny/
done
du -sh .carry
