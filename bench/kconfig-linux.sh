#!/usr/bin/env bash
# Linux 6.1 x86_64 Kconfig, parse + olddefconfig from x86_64_defconfig: Linux's own scripts/kconfig/conf
# beside `kraft kconfig-conf`, same tree, same environment, both writing .config, auto.conf, autoconf.h,
# rustc_cfg, auto.conf.cmd and the include/config dependency files into their own directories.
#   1. with the $(shell,...) compiler probes (conf runs every one, one by one; kraft runs them in parallel,
#      and its yes/no probes only if the configuration reads them);
#   2. kraft without probes: KRAFT_KCONFIG_PROBES=FILE answers every $(shell,...) from results recorded with
#      KRAFT_KCONFIG_RECORD_PROBES=FILE in a probing run (conf has no such mode; it is shown for reference).
# Each run starts from x86_64_defconfig as .config. In the timed runs auto.conf is already there (from a
# first run), so, like conf, kraft does not rewrite it: they measure parse + olddefconfig + .config. The
# fresh-output variant (--fresh) also writes auto.conf and friends and touches ~1600 dependency files,
# which costs both the same file-system time.
# Peak memory (max RSS) of one run of each comes from /usr/bin/time -v.
# The tree: $KRAFT_TEST_LINUX_SRC, else one prepared in .ci-work/linux by the tests' prepare-linux-kconfig.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
linux_kconfig_tree
fresh() { echo "rm -rf $1 && mkdir -p $1 && cp $defconfig $1/.config"; }
again() { echo "cp $defconfig $1/.config"; }
mode=again; [ "${1:-}" = --fresh ] && mode=fresh
conf="env $(out "$work/conf") $src/scripts/kconfig/conf --olddefconfig Kconfig"
kraftc="env $(out "$work/kraft") $kraft kconfig-conf --olddefconfig Kconfig"
probes=$work/probes
env $(out "$work/rec") KRAFT_KCONFIG_RECORD_PROBES="$probes" $kraft kconfig-conf -s --olddefconfig Kconfig >/dev/null
sh -c "$(fresh "$work/conf")"; $conf >/dev/null
sh -c "$(fresh "$work/kraft")"; $kraftc >/dev/null

hyperfine -N --warmup 1 --runs "${RUNS:-10}" --export-markdown "$root/bench/results/kconfig-linux-$mode.md" \
  -n 'conf --olddefconfig (probes)' --prepare "sh -c '$($mode "$work/conf")'" "$conf" \
  -n 'kraft kconfig-conf --olddefconfig (probes)' --prepare "sh -c '$($mode "$work/kraft")'" "$kraftc" \
  -n 'kraft kconfig-conf --olddefconfig (recorded probes)' --prepare "sh -c '$($mode "$work/kraft")'" \
     "env KRAFT_KCONFIG_PROBES=$probes ${kraftc#env }"

# same results?
sh -c "$(fresh "$work/conf")"; $conf >/dev/null
sh -c "$(fresh "$work/kraft")"; $kraftc >/dev/null
sed -i "s|$work/conf/|$work/kraft/|g" "$work/conf/auto/auto.conf.cmd"
diff -r -x '*.old' "$work/conf" "$work/kraft" >/dev/null && echo "outputs: identical (.config, auto.conf, autoconf.h, rustc_cfg, auto.conf.cmd, $(ls "$work/kraft/auto" | wc -l) files in auto/)" \
  || { echo "outputs DIFFER:"; diff -r -x '*.old' "$work/conf" "$work/kraft" | head -20; exit 1; }

sh -c "$($mode "$work/kraft")"
echo "kraft's deferred probes: $(env KRAFT_KCONFIG_TIMING=1 ${kraftc#env } 2>&1 >/dev/null | sed -n 's/^timing: deferred probes: //p')"
echo "distinct shell commands of a full parse (the recording): $(( $(tr -cd '\000' < "$probes" | wc -c) / 2 ))"

# parse + evaluate alone (the issue's measure, no process start, .config writing or exit): kraft's own clock
# (KRAFT_KCONFIG_TIMING's "load + read": parse, finalize, read .config, compute every value), same runs as above
inproc=()
for _ in $(seq "${RUNS:-10}"); do
  sh -c "$($mode "$work/kraft")"
  inproc+=("$(env KRAFT_KCONFIG_TIMING=1 KRAFT_KCONFIG_PROBES=$probes ${kraftc#env } 2>&1 >/dev/null | sed -n 's/^timing: load + read \([0-9.]*\) ms$/\1/p')")
done
printf '%s\n' "${inproc[@]}" | sort -n | awk '{v[NR]=$1} END {printf "kraft parse + evaluate in-process (recorded probes, %d runs): median %.1f ms, min %.1f, max %.1f\n", NR, v[int((NR+1)/2)], v[1], v[NR]}'

peak() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -n 1; }
sh -c "$($mode "$work/conf")"; echo "peak RSS conf (probes):            $(peak $conf) KB"
sh -c "$($mode "$work/kraft")"; echo "peak RSS kraft (probes):           $(peak $kraftc) KB"
sh -c "$($mode "$work/kraft")"; echo "peak RSS kraft (recorded probes):  $(peak env KRAFT_KCONFIG_PROBES=$probes ${kraftc#env }) KB"
