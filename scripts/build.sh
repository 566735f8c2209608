#!/usr/bin/env bash
# Configures and builds Fathom into build/ (Release, Ninja). Uses both cores of the 2-core machines.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build --parallel "$(nproc)"
# The bundled demo model (untrained, tiny) in build/demo-model; it needs the V4 tokenizer from ../shared, and the
# app still starts (saying how to choose a model) where that is missing.
scripts/setup-demo-model.sh build || echo "build: the demo model was not generated (see above); the app starts without it"
