#!/usr/bin/env bash
# `kraft build` on an unchanged, already built project, beside plain make's no-op on the same tree.
# APP_DIR defaults to a copy of the fixture app; point it at a real Unikraft app to compare there.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
app=${1:-$(fixture_app)}
target=${TARGET:-qemu/x86_64}
cd "$app"
"$kraft" build -t "$target" >/dev/null
# The make command kraft runs for this target, taken from its own plan.
makecmd=$("$kraft" build -t "$target" --dry-run | sed -n 's/^  build: *//p' | head -n1)
echo "make: $makecmd"
hyperfine -N --warmup 2 --runs "${RUNS:-20}" --export-markdown "$root/bench/results/noop-build.md" \
  -n 'kraft build' "$kraft build -t $target" \
  -n 'make (no-op)' "$makecmd"
