#!/usr/bin/env bash
# `kraft ps` with 50 machines: 20 live (paused after start, so that 20 emulated guests do not
# spin the CPUs while we measure) and 30 that have exited; beside `kraft --version` (the cost of
# starting kraft at all). KraftKit opens QMP to every machine for ps; kraft reads the records and
# checks pids against their start times, asking QMP only when a supervisor is gone.
set -euo pipefail
source "$(dirname "$0")/machines-lib.sh"
for i in $(seq 1 20); do "$kraft" run -d -W -M 16Mi --name "live$i" "$kernel" >/dev/null; "$kraft" pause "live$i" >/dev/null; done
for i in $(seq 1 30); do "$kraft" run -d -W -M 16Mi --name "done$i" "$kernel" >/dev/null; done
"$kraft" stop $(seq -f 'done%g' 1 30) >/dev/null
echo "machines: $("$kraft" ps -a -q | wc -l) ($("$kraft" ps -q | wc -l) live)"
hyperfine --warmup 3 --runs "${RUNS:-30}" -N \
  -n "kraft ps" "$kraft ps" \
  -n "kraft ps -a" "$kraft ps -a" \
  -n "kraft ps -a -o json" "$kraft ps -a -o json" \
  -n "kraft --version" "$kraft --version" \
  --export-json "$bench_tmp/ps.json" --export-markdown "$root/bench/results/machines-ps.md" 2>&1 | tee "$root/bench/results/machines-ps.txt"
medians "$bench_tmp/ps.json" | tee -a "$root/bench/results/machines-ps.txt"
