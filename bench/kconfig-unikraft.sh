#!/usr/bin/env bash
# Unikraft's Kconfig (Config.uk of a Unikraft checkout plus app-helloworld), defconfig: Unikraft's own conf
# (support/kconfig, built by `make defconfig`) beside `kraft kconfig-conf`, with the environment Unikraft's
# Makefile gives conf (taken from `make -n defconfig`), same working directory, each writing into its own
# build directory. Needs KRAFT_TEST_UNIKRAFT (a Unikraft checkout) and KRAFT_TEST_UNIKRAFT_APP (default:
# app-helloworld beside it); DEFCONFIG names the app's defconfig (default qemu-x86_64).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
uk=${KRAFT_TEST_UNIKRAFT:?set KRAFT_TEST_UNIKRAFT to a Unikraft checkout}
app=${KRAFT_TEST_UNIKRAFT_APP:-$(dirname "$uk")/app-helloworld}
defconfig=$app/defconfigs/${DEFCONFIG:-qemu-x86_64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# build dir $1: make defconfig there (builds Unikraft's conf) and print conf's command line
conf_line() {
  local args=(-C "$uk" "A=$app" "O=$1" "C=$1/.config" "UK_DEFCONFIG=$defconfig" defconfig)
  make "${args[@]}" >/dev/null 2>&1
  make -n "${args[@]}" 2>/dev/null | grep -- '--defconfig' | head -n 1
}
ref_line=$(conf_line "$work/conf")
kr_line=$(conf_line "$work/kraft")
# the same command with kraft in conf's place
kr_line=${kr_line//"$work/kraft/kconfig/conf"/"$kraft kconfig-conf"}
cd "$uk"
hyperfine --warmup 1 --runs "${RUNS:-20}" --export-markdown "$root/bench/results/kconfig-unikraft.md" \
  -n 'Unikraft conf --defconfig' "$ref_line" \
  -n 'kraft kconfig-conf --defconfig' "$kr_line"

sh -c "$ref_line" >/dev/null; sh -c "$kr_line" >/dev/null
for f in .config kconfig/auto.conf kconfig/tristate.config include/uk/bits/config.h; do
  cmp -s "$work/conf/$f" "$work/kraft/$f" && echo "$f: identical" || { echo "$f: DIFFERS"; exit 1; }
done
peak() { /usr/bin/time -f "%M" sh -c "$1" 2>&1 >/dev/null | tail -n 1; }
echo "peak RSS Unikraft conf: $(peak "$ref_line") KB"
echo "peak RSS kraft:         $(peak "$kr_line") KB"
