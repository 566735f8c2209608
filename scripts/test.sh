#!/usr/bin/env bash
# Runs every test suite: the engine, storage and app suites (the UI ones under Xvfb). Needs a build in build/.
set -euo pipefail
cd "$(dirname "$0")/../build"
ctest --output-on-failure --parallel "$(nproc)" "$@"
