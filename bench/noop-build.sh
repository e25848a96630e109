#!/usr/bin/env bash
# `kraft build` on an unchanged, already built project, beside plain make's no-op on the same tree.
# APP_DIR defaults to a copy of the fixture app; point it at a real Unikraft app to compare there.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
kraft=${KRAFT_BIN:-$root/artifacts/bin/kraft}
mkdir -p bench/results
app=${1:-}
if [ -z "$app" ]; then
  app=$(mktemp -d)/hello
  cp -r tests/fixtures/apps/hello "$app"
  sed -i "s|source: .*unikraft-core.*|source: $root/tests/fixtures/unikraft-core|" "$app/Kraftfile"
fi
cd "$app"
"$kraft" build -t qemu/x86_64 >/dev/null
# The make command kraft runs for this target, taken from its own plan.
makecmd=$("$kraft" build -t qemu/x86_64 --dry-run | sed -n 's/^  build: *//p' | head -n1)
echo "make: $makecmd"
hyperfine -N --warmup 2 --runs 20 --export-markdown "$root/bench/results/noop-build.md" \
  -n 'kraft build' "$kraft build -t qemu/x86_64" \
  -n 'make (no-op)' "$makecmd"
