#!/usr/bin/env bash
# Time from start to the guest's first console line: `kraft run` beside the same QEMU command run
# directly. KERNEL defaults to the fixture app's x86_64 image (built first).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
kraft=${KRAFT_BIN:-$root/artifacts/bin/kraft}
mkdir -p bench/results
kernel=${1:-}
if [ -z "$kernel" ]; then
  app=$(mktemp -d)/hello
  cp -r tests/fixtures/apps/hello "$app"
  sed -i "s|source: .*unikraft-core.*|source: $root/tests/fixtures/unikraft-core|" "$app/Kraftfile"
  (cd "$app" && "$kraft" build -t qemu/x86_64 >/dev/null)
  kernel="$app/.unikraft/build/hello_qemu-x86_64"
fi
qemu=$("$kraft" run --dry-run "$kernel")
echo "qemu: $qemu"
python3 bench/first-line.py --runs 30 \
  "kraft run=$kraft run $kernel" \
  "qemu direct=$qemu" | tee "$root/bench/results/run-latency.txt"
