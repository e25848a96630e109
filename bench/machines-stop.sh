#!/usr/bin/env bash
# `kraft stop` of 20 running machines at once (parallel: power button, then QMP quit, then
# SIGKILL), beside stopping the same 20 one `kraft stop` after another.
set -euo pipefail
source "$(dirname "$0")/machines-lib.sh"
names=$(seq -f 'm%g' 1 20 | tr '\n' ' ')
start20="sh -c 'for n in $names; do $kraft run -d -W -M 16Mi --name \$n $kernel >/dev/null || $kraft start -d \$n >/dev/null; done'"
hyperfine --runs "${RUNS:-3}" -N \
  --prepare "$start20" -n "kraft stop (20 at once)" "$kraft stop $names" \
  --prepare "$start20" -n "kraft stop one by one" "sh -c 'for n in $names; do $kraft stop \$n >/dev/null; done'" \
  --export-json "$bench_tmp/stop.json" --export-markdown "$root/bench/results/machines-stop.md" 2>&1 | tee "$root/bench/results/machines-stop.txt"
medians "$bench_tmp/stop.json" | tee -a "$root/bench/results/machines-stop.txt"
