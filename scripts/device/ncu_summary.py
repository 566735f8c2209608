#!/usr/bin/env python3
"""Sums an ncu --csv --metrics gpu__time_duration.sum log (from gpu-profile.sh) by kernel name.

Usage: scripts/device/ncu_summary.py ncu-decode.csv [--steps N]
Prints each kernel's launches, total and mean time, and its share, largest first; --steps divides totals to
per-step figures (the decode profile covers whole steps of the bench's 32)."""
import csv
import sys
from collections import defaultdict


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    steps = 1
    if "--steps" in sys.argv:
        steps = int(sys.argv[sys.argv.index("--steps") + 1])
    with open(sys.argv[1], newline="") as f:
        lines = [line for line in f if line.startswith('"')]  # ncu prints its own notes before the table
    rows = csv.DictReader(lines)
    total = defaultdict(float)
    count = defaultdict(int)
    for row in rows:
        if row.get("Metric Name") != "gpu__time_duration.sum":
            continue
        name = row.get("Kernel Name", "?").split("(")[0]
        value = float(row["Metric Value"].replace(",", ""))
        total[name] += value
        count[name] += 1
    grand = sum(total.values())
    if not grand:
        print("no gpu__time_duration rows found")
        return 1
    print(f"{'kernel':70s} {'launches':>9s} {'total us':>10s} {'mean us':>9s} {'share':>6s}")
    for name, t in sorted(total.items(), key=lambda kv: -kv[1]):
        print(f"{name[:70]:70s} {count[name] / steps:9.1f} {t / 1e3 / steps:10.1f} {t / 1e3 / count[name]:9.2f} {100 * t / grand:5.1f}%")
    print(f"{'all':70s} {sum(count.values()) / steps:9.1f} {grand / 1e3 / steps:10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
