#!/usr/bin/env bash
# Time from start to the guest's first console line: `kraft run` beside the same QEMU command run
# directly. KERNEL defaults to the fixture app's x86_64 image (built first, without the random
# library so that it boots under emulation).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
kernel=${1:-}
if [ -z "$kernel" ]; then
  app=$(fixture_app)
  printf 'unikraft:\n  source: %s\n  kconfig:\n    CONFIG_LIBUKRANDOM: "n"\n' "$root/tests/fixtures/unikraft-core" > "$app/extra.yaml"
  sed -i '/^unikraft:/,/^$/d' "$app/Kraftfile"
  cat "$app/extra.yaml" >> "$app/Kraftfile"
  (cd "$app" && "$kraft" build -t qemu/x86_64 >/dev/null)
  kernel="$app/.unikraft/build/hello_qemu-x86_64"
fi
# Emulation on both sides (-W): the comparison is kraft's overhead, not whether KVM works here.
qemu=$("$kraft" run --dry-run -W "$kernel" 2>/dev/null)
echo "qemu: $qemu"
python3 "$root/bench/first-line.py" --runs "${RUNS:-30}" \
  "kraft run=$kraft run -W --rm $kernel" \
  "qemu direct=$qemu" | tee "$root/bench/results/run-latency.txt"
