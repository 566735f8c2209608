#!/usr/bin/env bash
# Generates the bundled demo model: a tiny synthetic DeepSeek-V4 checkpoint with random (untrained) weights,
# written by fathom-synth into <build>/demo-model, where the app looks for it (<bin>/../demo-model).
# Its replies are noise; it exists so a fresh install can show the whole chat flow without a download.
# Usage: scripts/setup-demo-model.sh [BUILD_DIR]   (default: build; FATHOM_DEMO_LAYERS overrides the depth)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build}"
synth="$build_dir/bin/fathom-synth"
tokenizer="../shared/fixtures/tokenizer-v4/tokenizer.json"
out="$build_dir/demo-model"
if [[ ! -x "$synth" ]]; then
  echo "setup-demo-model: $synth not found; build first (scripts/build.sh)" >&2
  exit 1
fi
if [[ ! -f "$tokenizer" ]]; then
  echo "setup-demo-model: the V4 tokenizer $tokenizer is missing (it comes with the shared fixtures)" >&2
  exit 1
fi
if [[ -f "$out/config.json" && -f "$out/tokenizer.json" ]]; then
  echo "setup-demo-model: $out already holds a checkpoint; delete it to generate a new one"
  exit 0
fi
rm -rf "$out.partial"
"$synth" --preset tiny --layers "${FATHOM_DEMO_LAYERS:-4}" --seed 7 --tokenizer "$tokenizer" --out "$out.partial"
# Written aside and renamed, so an interrupted run never leaves a half checkpoint where the app looks.
rm -rf "$out"
mv "$out.partial" "$out"
echo "setup-demo-model: demo model (untrained, random weights) in $out"
