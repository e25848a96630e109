#!/usr/bin/env bash
# `kraft run ./prog` through a cached ELF loader image beside plain QEMU booting the same loader
# image with the same initrd and command line (printed by kraft run --dry-run): time to the
# program's first line of output. LOADER: a built app-elfloader qemu/x86_64 kernel. PROG: a Linux
# program (default: a gcc -static-pie hello). The RELEASE-0.16.3 loader never halts after the
# program exits, so each run is stopped once the line is seen.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
loader=${1:?usage: bench/elfloader-run.sh LOADER_KERNEL [PROG]}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prog=${2:-}
if [ -z "$prog" ]; then
  printf '#include <stdio.h>\nint main(void) { printf("hello from a Linux program\\n"); return 0; }\n' > "$work/hello.c"
  gcc -static-pie -O2 -o "$work/hello" "$work/hello.c"; prog=$work/hello
fi
export KRAFTKIT_PATHS_SOURCES=$work/sources
"$kraft" run -W --loader "$loader" --dry-run "$prog" > "$work/qemu.txt" 2>/dev/null
qemu=$(cat "$work/qemu.txt")
echo "qemu: $qemu"
python3 - "${RUNS:-10}" "$kraft run -W $prog" "$qemu" <<'PY' | tee "$root/bench/results/elfloader-run.txt"
import shlex, statistics, subprocess, sys, time
runs, cmds = int(sys.argv[1]), sys.argv[2:]
names = ["kraft run ./prog (cached loader)", "qemu direct (same kernel, initrd)"]
times = {n: [] for n in names}
def once(argv):
    start = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    for line in p.stdout:
        if b"hello from" in line:
            t = (time.perf_counter() - start) * 1000
            break
    else:
        raise SystemExit("no program output from " + " ".join(argv))
    p.kill(); p.wait()
    return t
for _ in range(runs):
    for n, c in zip(names, cmds):
        times[n].append(once(shlex.split(c)))
for n in names:
    t = times[n]
    print(f"{n:40s} min {min(t):7.1f} ms  median {statistics.median(t):7.1f} ms  max {max(t):7.1f} ms  ({runs} runs)")
PY
