#!/usr/bin/env bash
# `kraft run -d` until it returns (the machine is running: QEMU answers QMP) beside starting the
# same QEMU yourself with -daemonize (which returns once QEMU has initialised), console to a file
# and a QMP socket in both. Under emulation (-W), the fixture's stay-alive guest.
set -euo pipefail
source "$(dirname "$0")/machines-lib.sh"
d=$bench_tmp/plain
mkdir -p "$d"
# The foreground command line with the console on a file, daemonized, as a user would write it.
plain=$("$kraft" run --dry-run -W "$kernel" 2>/dev/null | sed "s|-serial stdio|-serial file:$d/console.log -qmp unix:$d/qmp.sock,server=on,wait=off -pidfile $d/qemu.pid -daemonize|")
echo "qemu: $plain"
kill_plain="if [ -f $d/qemu.pid ]; then kill -9 \$(cat $d/qemu.pid) 2>/dev/null || true; rm -f $d/qemu.pid; fi; sleep 0.05"
hyperfine --warmup 2 --runs "${RUNS:-20}" -N \
  --prepare "sh -c '$kraft rm -f bench >/dev/null 2>&1 || true'" -n "kraft run -d" "$kraft run -d -W --name bench $kernel" \
  --prepare "sh -c '$kill_plain'" -n "qemu -daemonize" "$plain" \
  --export-json "$bench_tmp/run-d.json" --export-markdown "$root/bench/results/machines-run-d.md" 2>&1 | tee "$root/bench/results/machines-run-d.txt"
sh -c "$kill_plain"
medians "$bench_tmp/run-d.json"
