#!/usr/bin/env bash
# A library origin placed from kraft's archive cache beside make's own wget of the same file from a
# loopback HTTP server. The fixture app with libfortune (which downloads FILE during the build);
# FILE defaults to a generated 1 MiB archive (pass e.g. a musl-1.2.3.tar.gz to use that).
#   kraft:  kraft pkg pull in the configured project (lists make's downloads with make -pq,
#           checks Kraftfile.lock, copies the cached archive to O/libfortune/)
#   wget:   the command Unikraft's fetch rule runs: wget -q -O O/libfortune/FILE URL
set -euo pipefail
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/www"
if [ -n "${1:-}" ]; then cp "$1" "$work/www/fortune-1.0.tar.gz"; else
  mkdir -p "$work/src/fortune-1.0"
  printf '#include <stdio.h>\n#include <uk/init.h>\nstatic int f(void) { printf("fortune\\n"); return 0; }\nuk_initcall(f);\n' > "$work/src/fortune-1.0/fortune.c"
  head -c 1048576 /dev/urandom > "$work/src/fortune-1.0/payload.bin"
  tar -czf "$work/www/fortune-1.0.tar.gz" -C "$work/src" fortune-1.0
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$work/www" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) & server_pid=$!
sleep 0.5
app=$(fixture_app)
printf 'spec: v0.6\nname: hello\nunikraft:\n  source: %s\nlibraries:\n  fortune:\n    source: %s\ntargets:\n  - qemu/x86_64\n' \
  "$root/tests/fixtures/unikraft-core" "$root/tests/fixtures/libs/libfortune" > "$app/Kraftfile"
export FIXTURE_ORIGIN_URL=http://127.0.0.1:$port KRAFTKIT_CONFIG_DIR=$work/config KRAFTKIT_PATHS_SOURCES=$work/sources KRAFTKIT_PATHS_MANIFESTS=$work/manifests
(cd "$app" && "$kraft" pkg pull >/dev/null)
dest=$app/.unikraft/build/targets/hello_qemu-x86_64/libfortune/fortune-1.0.tar.gz
ls -la "$dest"
cd "$app"
hyperfine -N --warmup 3 --runs "${RUNS:-30}" --export-markdown "$root/bench/results/origin-fetch.md" \
  --prepare "rm -f $dest" \
  -n "kraft pkg pull (from the cache)" "$kraft pkg pull" \
  -n "wget (make's fetch rule)" "wget -q -O $dest $FIXTURE_ORIGIN_URL/fortune-1.0.tar.gz"
