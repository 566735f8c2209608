#!/usr/bin/env bash
# Configures and builds Fathom into build/ (Release, Ninja). Uses both cores of the 2-core machines.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build --parallel "$(nproc)"
scripts/setup-demo-model.sh build  # the bundled demo model (untrained, tiny) in build/demo-model
