# Shared by the benchmark scripts (sourced, not run).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kraft=${KRAFT_BIN:-$root/artifacts/bin/kraft}
mkdir -p "$root/bench/results"
[ -x "$kraft" ] || (cd "$root" && dotnet publish src/Kraft.Cli -c Release -r linux-x64 -o artifacts/bin --nologo -v quiet)

# A fresh copy of the fixture hello app pointing at the fixture core; prints its directory.
fixture_app() {
  local app
  app=$(mktemp -d)/hello
  cp -r "$root/tests/fixtures/apps/hello" "$app"
  sed -i "s|\.\./\.\./|$root/tests/fixtures/|g" "$app/Kraftfile"
  echo "$app"
}

# A 200-component index in DIR/www (index.yaml, unikraft.yaml, libs/lib001..199.yaml, each with two
# channels and two versions), as a served index would have it.
bench_index() {
  local www=$1/www i
  mkdir -p "$www/libs"
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
  } > "$www/index.yaml"
  manifest unikraft core > "$www/unikraft.yaml"
  for i in $(seq -w 1 199); do manifest "lib$i" lib > "$www/libs/lib$i.yaml"; done
}

# Serves DIR over HTTP on a free loopback port: sets $port and $server_pid (the caller kills it).
# python3's http.server, with keep-alive and a listen backlog of 128: the stock one (backlog 5, a
# connection per request) drops parallel connects, and the SYN retry costs a second of waiting.
serve_dir() {
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 - "$port" "$1" >/dev/null 2>&1 <<'PY' &
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
}

# kraft with its configuration, caches and home under DIR, listing SOURCE... (the user's own are never touched).
isolated_kraft() {
  local dir=$1 s; shift
  export HOME=$dir/home KRAFTKIT_CONFIG_DIR=$dir/config KRAFTKIT_PATHS_MANIFESTS=$dir/manifests \
    KRAFTKIT_PATHS_SOURCES=$dir/sources XDG_CONFIG_HOME=$dir/xdg XDG_DATA_HOME=$dir/xdg-data
  mkdir -p "$KRAFTKIT_CONFIG_DIR"
  { echo "unikraft:"; echo "  manifests:"; for s in "$@"; do echo "    - $s"; done; } > "$KRAFTKIT_CONFIG_DIR/config.yaml"
}

# The Linux 6.1 x86_64 Kconfig tree both kconfig-linux benchmarks use, entered with the environment its
# Kconfig files read: $KRAFT_TEST_LINUX_SRC, else one prepared in .ci-work/linux. Sets $src, $defconfig
# and $work (a temporary directory, removed on exit), and out DIR (the KCONFIG_* variables of a run writing into DIR).
linux_kconfig_tree() {
  src=${KRAFT_TEST_LINUX_SRC:-}
  if [ -z "$src" ]; then
    sh "$root/tests/Kraft.Tests/Kconfig/prepare-linux-kconfig.sh" "$root/.ci-work/linux" >/dev/null
    src=$root/.ci-work/linux/linux-source-6.1
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cd "$src"
  export LC_ALL=C ARCH=x86_64 SRCARCH=x86 KERNELVERSION=6.1.0-kraft srctree=. CC=gcc LD=ld NM=nm AR=ar \
    OBJCOPY=objcopy PAHOLE=pahole RUSTC=rustc BINDGEN=bindgen CC_VERSION_TEXT="gcc (kraft bench) 12"
  defconfig=$src/arch/x86/configs/x86_64_defconfig
}
out() { echo "KCONFIG_CONFIG=$1/.config KCONFIG_AUTOCONFIG=$1/auto/auto.conf KCONFIG_AUTOHEADER=$1/auto/autoconf.h KCONFIG_RUSTCCFG=$1/auto/rustc_cfg"; }
