# Sourced by the device scripts: where the log goes, the unpacked bundle, the libraries, and step().
# Usage: source "$(dirname "$0")/lib.sh" LOG_NAME
set -u
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
exec > >(tee "$OUT/$1.log") 2>&1
cd "$(dirname "${BASH_SOURCE[0]}")/../../.carry"
tar xJf bin.tar.xz -C .
export LD_LIBRARY_PATH=$PWD/lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
start=$(date +%s)
step() { echo; echo "== $1 ($(date +%T), $(( $(date +%s) - start )) s in)"; }
