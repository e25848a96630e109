#!/usr/bin/env bash
# Linux 6.1 x86_64 Kconfig in-process: parse + olddefconfig from x86_64_defconfig, as kraft's own clock
# measures it (KRAFT_KCONFIG_TIMING's "load + read": parse, finalize, read the .config, compute every value;
# no process start, no writing), with every $(shell,...) answered from a recording (KRAFT_KCONFIG_PROBES),
# beside Linux's own conf --olddefconfig on the same tree (its whole run: conf has no in-process clock and
# runs its probes, so it is the upper bound kraft is compared with; bench/kconfig-linux.sh times both runs whole).
# This was the test suite's ParseAndOlddefconfigTime, a timing that asserted nothing.
#   RUNS=N (default 10). The tree: $KRAFT_TEST_LINUX_SRC, else one prepared in .ci-work/linux.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
linux_kconfig_tree
mkdir -p "$work/kraft" "$work/conf"
probes=$work/probes
cp "$defconfig" "$work/kraft/.config"
env $(out "$work/kraft") KRAFT_KCONFIG_RECORD_PROBES="$probes" "$kraft" kconfig-conf -s --olddefconfig Kconfig >/dev/null
times=()
for _ in $(seq "${RUNS:-10}"); do
  cp "$defconfig" "$work/kraft/.config"
  times+=("$(env $(out "$work/kraft") KRAFT_KCONFIG_TIMING=1 KRAFT_KCONFIG_PROBES="$probes" "$kraft" kconfig-conf -s --olddefconfig Kconfig 2>&1 >/dev/null \
    | sed -n 's/^timing: load + read \([0-9.]*\) ms$/\1/p')")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{v[NR]=$1} END {printf "kraft parse + olddefconfig in-process (recorded probes, %d runs): best %.1f ms, median %.1f ms, max %.1f\n", NR, v[1], v[int((NR+1)/2)], v[NR]}'
cp "$defconfig" "$work/conf/.config"
env $(out "$work/conf") "$src/scripts/kconfig/conf" -s --olddefconfig Kconfig >/dev/null
hyperfine -N --warmup 1 --runs "${RUNS:-10}" --export-markdown "$root/bench/results/kconfig-linux-load.md" \
  -n 'conf --olddefconfig (whole run, probes)' --prepare "cp $defconfig $work/conf/.config" "env $(out "$work/conf") $src/scripts/kconfig/conf -s --olddefconfig Kconfig" \
  -n 'kraft kconfig-conf --olddefconfig (whole run, recorded probes)' --prepare "cp $defconfig $work/kraft/.config" \
     "env $(out "$work/kraft") KRAFT_KCONFIG_PROBES=$probes $kraft kconfig-conf -s --olddefconfig Kconfig"
