#!/usr/bin/env bash
# `kraft pkg ls` on the cache of a 200-component index, beside `kraft --version` (the floor: process
# start of the NativeAOT binary) in one hyperfine run (goal: median ≤ 50 ms). The cache is made by
# `kraft pkg update` from an index served on loopback; `ls` itself never touches the network.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

mkdir -p "$work/www/libs"
{
  echo "manifests:"
  printf '  - name: unikraft\n    type: core\n    manifest: ./unikraft.yaml\n'
  for i in $(seq -w 1 199); do printf '  - name: lib%s\n    type: lib\n    manifest: ./libs/lib%s.yaml\n' "$i" "$i"; done
} > "$work/www/index.yaml"
manifest() { # name type
  printf 'name: %s\ntype: %s\ndescription: bench component %s\norigin: https://git.example/%s.git\nchannels:\n' "$1" "$2" "$1" "$1"
  printf '  - name: stable\n    default: true\n    resource: https://git.example/%s/stable.tar.gz\n' "$1"
  printf '  - name: staging\n    resource: https://git.example/%s/staging.tar.gz\n' "$1"
  printf 'versions:\n  - version: v0.17.0\n    type: semver\n    resource: https://git.example/%s/v0.17.0.tar.gz\n    sha256: %s\n' "$1" "$(printf 'e%.0s' {1..64})"
}
manifest unikraft core > "$work/www/unikraft.yaml"
for i in $(seq -w 1 199); do manifest "lib$i" lib > "$work/www/libs/lib$i.yaml"; done

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# python3's http.server, with keep-alive and a listen backlog of 128: the stock one (backlog 5, a
# connection per request) drops parallel connects, and the SYN retry costs a second of waiting.
python3 - "$port" "$work/www" >/dev/null 2>&1 <<'PY' &
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128
Server(("127.0.0.1", int(sys.argv[1])), functools.partial(Handler, directory=sys.argv[2])).serve_forever()
PY
server_pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/index.yaml" >/dev/null 2>&1 && break; sleep 0.1; done

export HOME=$work/home KRAFTKIT_CONFIG_DIR=$work/config KRAFTKIT_PATHS_MANIFESTS=$work/manifests \
  KRAFTKIT_PATHS_SOURCES=$work/sources XDG_CONFIG_HOME=$work/xdg XDG_DATA_HOME=$work/xdg-data
mkdir -p "$KRAFTKIT_CONFIG_DIR"
printf 'unikraft:\n  manifests:\n    - http://127.0.0.1:%s/index.yaml\n' "$port" > "$KRAFTKIT_CONFIG_DIR/config.yaml"
"$kraft" pkg update | tail -n 1
# The server is no longer needed: stop it, so a network access by ls would fail loudly.
kill "$server_pid"; server_pid=

echo "rows: $("$kraft" pkg ls | tail -n +2 | wc -l)"
hyperfine -N --warmup 5 --runs "${RUNS:-50}" --export-markdown "$root/bench/results/pkg-ls.md" \
  -n 'kraft --version' "$kraft --version" \
  -n 'kraft pkg ls (200 components)' "$kraft pkg ls" \
  -n 'kraft pkg ls -o json (200 components)' "$kraft pkg ls -o json"
