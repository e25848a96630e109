#!/usr/bin/env bash
# `kraft pkg update` of a 200-component index (index.yaml + 199 library manifests + the core, each
# referenced as ./libs/NAME.yaml) served on loopback by python3's http.server (keep-alive, larger backlog), into an empty cache
# each run (goal: ≤ 1 s). Configuration, cache and home are temporary directories.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

bench_index "$work"
serve_dir "$work/www"

isolated_kraft "$work" "http://127.0.0.1:$port/index.yaml"

"$kraft" pkg update | tail -n 2
# Beside it, the floor the server sets: the same 201 files fetched by curl, 16 at a time (kraft's bound).
base=http://127.0.0.1:$port
( echo "url = \"$base/index.yaml\""; echo "url = \"$base/unikraft.yaml\""
  for i in $(seq -w 1 199); do echo "url = \"$base/libs/lib$i.yaml\""; echo "output = \"/dev/null\""; done
  echo "output = \"/dev/null\""; echo "output = \"/dev/null\"" ) > "$work/curl.cfg"
hyperfine -N --warmup 2 --runs "${RUNS:-20}" --export-markdown "$root/bench/results/pkg-update.md" \
  --prepare "rm -rf $KRAFTKIT_PATHS_MANIFESTS" \
  -n 'kraft pkg update (200 components, loopback)' "$kraft pkg update" \
  -n 'curl: the same 201 files, 16 in parallel' "curl -sf --parallel --parallel-max 16 -K $work/curl.cfg"
"$kraft" pkg update >/dev/null
echo "components listed: $("$kraft" pkg ls | tail -n +2 | wc -l)"
