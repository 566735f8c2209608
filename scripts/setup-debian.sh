#!/usr/bin/env bash
# Installs everything Fathom needs to build, run and test on Debian 12 (run as root; uses sudo otherwise).
# Idempotent: packages already present are skipped by apt; npm packages come from the lock files.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  nlohmann-json3-dev libspdlog-dev libsqlite3-dev sqlite3
  qt6-base-dev qt6-declarative-dev qt6-httpserver-dev qt6-tools-dev libqt6opengl6-dev
  qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts qml6-module-qtquick-window
  qml6-module-qtquick-templates qml6-module-qtqml-workerscript qml6-module-qtquick-dialogs
  qml6-module-qt-labs-platform qml6-module-qtqml-models qml6-module-qttest qml6-module-qtquick-shapes
  libpoppler-qt6-dev libgit2-dev
  xvfb xauth libgl1-mesa-dri fonts-dejavu-core imagemagick
  clang-14 libclang-rt-14-dev
  python3-numpy
)
# Node for the reference-tokenizer test: Debian's packages unless a node with npm is already installed
# (some images ship NodeSource's nodejs, which conflicts with Debian's npm package).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

# Node packages used by tests (the reference tokenizer), pinned by their lock files.
for dir in tests/reference/*/; do
  if [ -f "$dir/package-lock.json" ] && [ ! -d "$dir/node_modules" ]; then
    echo "setup: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
