#!/usr/bin/env bash
# `kraft pkg update` of a 200-component index (index.yaml + 199 library manifests + the core, each
# referenced as ./libs/NAME.yaml) served on loopback by python3's http.server (keep-alive, larger backlog), into an empty cache
# each run (goal: ≤ 1 s). Configuration, cache and home are temporary directories.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

# The index: one core and 199 libraries, each with two channels and two versions.
mkdir -p "$work/www/libs"
manifest() { # name type
  printf 'name: %s\ntype: %s\ndescription: bench component %s\norigin: https://git.example/%s.git\nchannels:\n' "$1" "$2" "$1" "$1"
  printf '  - name: stable\n    default: true\n    resource: https://git.example/%s/stable.tar.gz\n' "$1"
  printf '  - name: staging\n    resource: https://git.example/%s/staging.tar.gz\n' "$1"
  printf 'versions:\n  - version: v0.17.0\n    type: semver\n    resource: https://git.example/%s/v0.17.0.tar.gz\n    sha256: %s\n' "$1" "$(printf 'e%.0s' {1..64})"
  printf '  - version: 1a2b3c4\n    type: gitsha\n    unikraft: 0.17.0\n    resource: https://git.example/%s/1a2b3c4.tar.gz\n' "$1"
}
{
  echo "last_updated: 2024-10-21T10:00:00Z"
  echo "manifests:"
  printf '  - name: unikraft\n    type: core\n    manifest: ./unikraft.yaml\n'
  for i in $(seq -w 1 199); do printf '  - name: lib%s\n    type: lib\n    manifest: ./libs/lib%s.yaml\n' "$i" "$i"; done
} > "$work/www/index.yaml"
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

"$kraft" pkg update | tail -n 2
# Beside it, the floor the server sets: the same 201 files fetched by curl, 16 at a time (kraft's bound).
base=http://127.0.0.1:$port
( echo "url = \"$base/index.yaml\""; echo "url = \"$base/unikraft.yaml\""
  for i in $(seq -w 1 199); do echo "url = \"$base/libs/lib$i.yaml\""; echo "output = \"/dev/null\""; done
  echo "output = \"/dev/null\""; echo "output = \"/dev/null\"" ) > "$work/curl.cfg"
hyperfine -N --warmup 2 --runs "${RUNS:-20}" --export-markdown "$root/bench/results/pkg-update.md" \
  --prepare "rm -rf $KRAFTKIT_PATHS_MANIFESTS" \
  -n 'kraft pkg update (200 components, loopback)' "$kraft pkg update" \
  -n 'curl: the same 201 files, 16 in parallel' "curl -sf --parallel --parallel-max 16 -K $work/curl.cfg"
"$kraft" pkg update >/dev/null
echo "components listed: $("$kraft" pkg ls | tail -n +2 | wc -l)"
