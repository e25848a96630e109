# Shared by the machine benchmarks (sourced): a built stay-alive fixture kernel in $kernel, a
# private runtime dir in $KRAFTKIT_RUNTIME_DIR, and the QEMU command kraft runs for it in $qemu_cmd.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
app=$(fixture_app)
sed -i '/^unikraft:/,/^$/d' "$app/Kraftfile"
printf 'unikraft:\n  source: %s\n  kconfig:\n    CONFIG_LIBUKRANDOM: "n"\n    CONFIG_FIXTURE_STAY_ALIVE: "y"\n' "$root/tests/fixtures/unikraft-core" >> "$app/Kraftfile"
(cd "$app" && "$kraft" build -t qemu/x86_64 >/dev/null)
kernel="$app/.unikraft/build/hello_qemu-x86_64"
export KRAFTKIT_RUNTIME_DIR=$(mktemp -d)/runtime
bench_tmp=$(dirname "$KRAFTKIT_RUNTIME_DIR")
cleanup_machines() { "$kraft" rm -f --all >/dev/null 2>&1 || true; rm -rf "$bench_tmp" "$(dirname "$app")"; }
trap cleanup_machines EXIT
# medians FILE: one line per command of a hyperfine --export-json FILE (the goals are medians).
medians() { python3 -c 'import json,sys,statistics
for r in json.load(open(sys.argv[1]))["results"]: print("{:40s} median {:8.1f} ms  ({} runs)".format(r["command"], statistics.median(r["times"]) * 1000, len(r["times"])))' "$1"; }
