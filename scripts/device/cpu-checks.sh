#!/usr/bin/env bash
# Runs on the lent GPU machine's host CPU (same carry as gpu-checks.sh; about 7 minutes): the CPU kernel tests where
# the CPU may have AMX, CPU prefill with AMX tiles on and off, then the CPU forward pass and the expert batches with
# idle pool workers spinning (FATHOM_POOL_SPIN_US=200, the default) and sleeping at once (0), alternated.
source "$(dirname "$0")/lib.sh" cpu-checks
step cpu-flags; grep -m1 -o "avx512_bf16\|amx_bf16\|amx_tile" /proc/cpuinfo | sort -u | tr '\n' ' '; nproc
step cpu-kernel-tests; FATHOM_AMX=1 timeout 60 ./engine_cpu_linear_amx; timeout 60 ./engine_cpu_expert_batch | tail -3
step synth-flash4; [ -f /tmp/flash4/config.json ] || timeout 100 ./fathom-synth --preset flash --layers 4 --out /tmp/flash4 --seed 1 | tail -1
step "sync (the checkpoint just written is flushed before anything is measured)"; time sync
step membw; timeout 30 ./fathom-bench membw | tail -2
step "cpu-linear, one thread then all"; FATHOM_THREADS=1 timeout 60 ./fathom-bench cpu-linear --reps 100 | tail -7; timeout 60 ./fathom-bench cpu-linear --reps 100 | tail -6
for amx in 1 0 1; do
  step "cpu prefill flash4, FATHOM_AMX=$amx"; FATHOM_AMX=$amx timeout 90 ./fathom-bench forward --model /tmp/flash4 --prefill 128 --decode 4 | grep -E "kernels|prefill"
done
for round in 1 2; do
  for spin in 200 0; do
    step "cpu forward flash4, spin $spin us, round $round"
    FATHOM_POOL_SPIN_US=$spin timeout 60 ./fathom-bench forward --model /tmp/flash4 --prefill 16 --decode 16 | tail -3
  done
done
for spin in 200 0; do
  step "cpu-experts, spin $spin us"; FATHOM_POOL_SPIN_US=$spin timeout 45 ./fathom-bench cpu-experts --experts 96 --steps 30 | tail -1
done
step "cpu-experts, one thread"; FATHOM_THREADS=1 timeout 45 ./fathom-bench cpu-experts --experts 96 --steps 20 | tail -1
step done
