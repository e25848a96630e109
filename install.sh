#!/usr/bin/env bash
# Sets up a Debian machine for Kraft.NET: the host tools Unikraft builds and runs need (installed
# when run as root, otherwise the exact apt-get line is printed), then publishes the NativeAOT
# `kraft` to $PREFIX/bin (PREFIX defaults to ~/.local).
set -euo pipefail
cd "$(dirname "$0")"

PREFIX="${PREFIX:-$HOME/.local}"
# Unikraft's build: make, gcc (+ the arm64 cross compiler), flex and bison (its Kconfig tool),
# python3 (image post-processing), git (sources), wget (libraries that download archives).
# Running: QEMU for x86_64 and arm64. Publishing kraft NativeAOT needs clang and zlib.
# hyperfine runs the benchmarks in bench/, GNU time (/usr/bin/time) measures their peak memory.
# OCI tests: docker-registry (a real registry on loopback), skopeo and umoci (cross-checks),
# apache2-utils (htpasswd) and openssl (a test CA).
PACKAGES=(make gcc gcc-aarch64-linux-gnu binutils flex bison git python3 wget
          qemu-system-x86 qemu-system-arm clang zlib1g-dev hyperfine time
          docker-registry skopeo umoci apache2-utils openssl
          iproute2 cpio libarchive-tools buildah runc)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "install.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "install.sh: these Debian packages are missing; install them with:"
    echo "  sudo apt-get install -y ${missing[*]}"
    echo "then run ./install.sh again."
    exit 1
  fi
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "install.sh: the .NET 10 SDK is needed to build kraft; install it (see https://learn.microsoft.com/dotnet/core/install/linux-debian) and run ./install.sh again." >&2
  exit 1
fi

echo "install.sh: publishing kraft (NativeAOT) to $PREFIX/bin"
mkdir -p "$PREFIX/bin" artifacts
dotnet publish src/Kraft.Cli/Kraft.Cli.csproj -c Release -r linux-x64 -o artifacts/bin --nologo -v quiet
# Install through a temp file and a rename, so a running kraft is never half-overwritten.
cp artifacts/bin/kraft "$PREFIX/bin/.kraft.new"
mv -f "$PREFIX/bin/.kraft.new" "$PREFIX/bin/kraft"
echo "install.sh: $("$PREFIX/bin/kraft" --version) installed at $PREFIX/bin/kraft"
case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo "install.sh: add $PREFIX/bin to your PATH";; esac
