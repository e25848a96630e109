#!/usr/bin/env python3
"""Times commands from start to their first line of output, over several runs, side by side.

Usage: first-line.py [--runs N] "label=command" ["label=command" ...]
Each command is split with shlex and run without a shell; the runs of the commands alternate so
that both see the same machine state. Prints min / median / max in milliseconds per command.
"""
import argparse
import shlex
import statistics
import subprocess
import time


def first_line_ms(argv):
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    line = proc.stdout.readline()
    elapsed = (time.perf_counter() - start) * 1000
    proc.stdout.read()
    proc.wait()
    if not line:
        raise SystemExit(f"no output from: {' '.join(argv)}")
    return elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("commands", nargs="+")
    args = ap.parse_args()
    cmds = [(c.split("=", 1)[0], shlex.split(c.split("=", 1)[1])) for c in args.commands]
    times = {label: [] for label, _ in cmds}
    for label, argv in cmds:  # warm-up: page cache, QEMU's shared libraries
        first_line_ms(argv)
    for _ in range(args.runs):
        for label, argv in cmds:
            times[label].append(first_line_ms(argv))
    for label, ts in times.items():
        print(f"{label:>14}: min {min(ts):7.1f} ms  median {statistics.median(ts):7.1f} ms  max {max(ts):7.1f} ms  ({len(ts)} runs)")


if __name__ == "__main__":
    main()
