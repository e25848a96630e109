#!/usr/bin/env bash
# `kraft build --dry-run` of a project with the fixture core and 10 libraries, every component
# resolved through an index snapshot to git repositories, cached (mirrors + checkouts) and locked
# in Kraftfile.lock — beside `kraft --version` (the process start-up floor). Goal: ≤ 100 ms.
# Nothing touches the network: repositories are local, and the caches are in a temporary folder.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KRAFTKIT_CONFIG_DIR=$work/config KRAFTKIT_PATHS_MANIFESTS=$work/manifests KRAFTKIT_PATHS_SOURCES=$work/sources
unset KRAFTKIT_OFFLINE KRAFT_GIT_ORIGIN_BASE
git_repo() { # DIR: commit everything in DIR on a stable branch
  git -C "$1" init -q -b main
  git -C "$1" add -A
  git -C "$1" -c user.email=b@example.org -c user.name=bench commit -q -m "$(basename "$1")"
  git -C "$1" branch stable
}

mkdir -p "$work/repos" "$KRAFTKIT_PATHS_MANIFESTS"
cp -r "$root/tests/fixtures/unikraft-core" "$work/repos/unikraft"
git_repo "$work/repos/unikraft"
channel() { printf '{"name":"stable","default":true,"resource":"file://%s"}' "$1"; }
manifests=$(printf '{"name":"unikraft","type":"core","origin":"file://%s","provider":"git","channels":[%s],"versions":[]}' \
  "$work/repos/unikraft" "$(channel "$work/repos/unikraft")")
libs=""
for i in $(seq 1 10); do
  name=bench$i; up=BENCH$i; dir=$work/repos/lib-$name
  mkdir -p "$dir/include"
  printf 'menuconfig LIB%s\n\tbool "%s: benchmark library"\n\tdefault n\n' "$up" "$name" >"$dir/Config.uk"
  printf '$(eval $(call addlib_s,lib%s,$(CONFIG_LIB%s)))\n\nCINCLUDES-$(CONFIG_LIB%s) += -I$(LIB%s_BASE)/include\nLIB%s_SRCS-y += $(LIB%s_BASE)/%s.c\n' \
    "$name" "$up" "$up" "$up" "$up" "$up" "$name" >"$dir/Makefile.uk"
  printf 'int %s_value(void) { return %d; }\n' "$name" "$i" >"$dir/$name.c"
  printf 'int %s_value(void);\n' "$name" >"$dir/include/$name.h"
  git_repo "$dir"
  manifests+=$(printf ',{"name":"%s","type":"lib","origin":"file://%s","provider":"git","channels":[%s],"versions":[]}' "$name" "$dir" "$(channel "$dir")")
  libs+="  $name: stable"$'\n'
done
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '{"format":1,"updated_at":"%s","sources":[{"location":"bench-index","kind":"index","listed_at":"%s","manifests":[%s]}]}' \
  "$now" "$now" "$manifests" >"$KRAFTKIT_PATHS_MANIFESTS/index.json"

app=$work/app
mkdir -p "$app"
cp "$root/tests/fixtures/apps/hello/"{main.c,Makefile.uk} "$app/"
[ -f "$root/tests/fixtures/apps/hello/Config.uk" ] && cp "$root/tests/fixtures/apps/hello/Config.uk" "$app/"
printf 'spec: v0.6\nname: bench\nunikraft: stable\nlibraries:\n%stargets:\n  - qemu/x86_64\n' "$libs" >"$app/Kraftfile"

# Resolve, cache and lock everything once (no compiling needed for a dry run).
(cd "$app" && "$kraft" pkg pull >/dev/null)
test -f "$app/Kraftfile.lock"
echo "components locked: $(grep -c 'kind: git' "$app/Kraftfile.lock")"
cd "$app"
"$kraft" build --dry-run --locked | sed -n '/^components:/,/^lock:/p'
if [ -n "${TRACE_EXEC:-}" ] && command -v strace >/dev/null; then
  echo "processes started by kraft build --dry-run: $(strace -f -e trace=execve -o "$work/trace" "$kraft" build --dry-run >/dev/null; grep -c execve "$work/trace") (1 = kraft itself)"
fi
hyperfine -N --warmup 3 --runs "${RUNS:-30}" --export-markdown "$root/bench/results/build-dry-run-locked.md" \
  -n 'kraft build --dry-run (11 components, locked)' "$kraft build --dry-run" \
  -n 'kraft --version' "$kraft --version"
