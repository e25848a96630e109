#!/usr/bin/env bash
# Compares kraft's Kconfig engine with Unikraft's own conf on many defconfig fragments: for each
# APP_DIR/**/defconfig* fragment (e.g. a unikraft/catalog-core checkout's .scripts/defconfig/*),
# runs Unikraft's `make defconfig` once with its real conf and once with kraft's conf-compatible
# command standing in at O/kconfig/conf, and compares the resulting .config byte for byte.
# Usage: compare-unikraft-defconfigs.sh UNIKRAFT_CHECKOUT APPS_ROOT [KRAFT]
set -uo pipefail
uk=$(realpath "$1"); apps=$(realpath "$2"); kraft=$(realpath "${3:-$(dirname "$0")/../../../artifacts/bin/kraft}")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
same=0; differ=0; failed=0
while IFS= read -r frag; do
  app=$(dirname "$frag"); while [ "$app" != "$apps" ] && [ ! -f "$app/Makefile.uk" ]; do app=$(dirname "$app"); done
  [ -f "$app/Makefile.uk" ] || continue
  for side in real kraft; do
    o="$work/$side"; rm -f "$o/.config" "$o/.config.old"; mkdir -p "$o/kconfig"
    if [ "$side" = kraft ]; then printf '#!/bin/sh\nexec %s kconfig-conf "$@"\n' "$kraft" > "$o/kconfig/conf"; chmod +x "$o/kconfig/conf"; fi
    make -s -C "$uk" A="$app" O="$o" C="$o/.config" UK_DEFCONFIG="$frag" defconfig >"$work/$side.log" 2>&1 || echo "make failed ($side): $frag"
  done
  if [ ! -f "$work/real/.config" ] || [ ! -f "$work/kraft/.config" ]; then failed=$((failed+1)); echo "FAILED  ${frag#$apps/}"
  elif cmp -s "$work/real/.config" "$work/kraft/.config"; then same=$((same+1)); echo "same    ${frag#$apps/}"
  else differ=$((differ+1)); echo "DIFFER  ${frag#$apps/}"; diff "$work/real/.config" "$work/kraft/.config" | head -5; fi
done < <(find "$apps" -path '*defconfig*' -type f | sort)
echo "$same identical, $differ different, $failed failed"
[ "$differ" -eq 0 ] && [ "$failed" -eq 0 ]
