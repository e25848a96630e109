#!/usr/bin/env bash
# `kraft pkg ls` on the cache of a 200-component index, beside `kraft --version` (the floor: process
# start of the NativeAOT binary) in one hyperfine run (goal: median ≤ 50 ms). The cache is made by
# `kraft pkg update` from an index served on loopback; `ls` itself never touches the network.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

bench_index "$work"
serve_dir "$work/www"

isolated_kraft "$work" "http://127.0.0.1:$port/index.yaml"
"$kraft" pkg update | tail -n 1
# The server is no longer needed: stop it, so a network access by ls would fail loudly.
kill "$server_pid"; server_pid=

echo "rows: $("$kraft" pkg ls | tail -n +2 | wc -l)"
hyperfine -N --warmup 5 --runs "${RUNS:-50}" --export-markdown "$root/bench/results/pkg-ls.md" \
  -n 'kraft --version' "$kraft --version" \
  -n 'kraft pkg ls (200 components)' "$kraft pkg ls" \
  -n 'kraft pkg ls -o json (200 components)' "$kraft pkg ls -o json"
