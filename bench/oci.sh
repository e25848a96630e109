#!/usr/bin/env bash
# OCI images, side by side in one run each (hyperfine):
#  1. push + pull of a 50 MB two-platform image (2 x 25 MB kernels) to a loopback docker-registry:
#     kraft pkg push + kraft pkg pull --all-platforms vs skopeo copy --all --preserve-digests of
#     the same layout to the registry and back into an OCI layout;
#  2. kraft run --dry-run REF of a stored image vs kraft run --dry-run KERNEL of the same kernel;
#  3. kraft pkg ls --oci with 200 images (goal: median <= 50 ms), beside kraft --version.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
reg_pid=
trap '[ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/data\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%s\n' "$work" "$port" > "$work/reg.yml"
docker-registry serve "$work/reg.yml" >/dev/null 2>&1 & reg_pid=$!
sleep 0.5
export KRAFT_OCI_DIR=$work/store HOME=$work/home KRAFTKIT_CONFIG_DIR=$work/config DOCKER_CONFIG=$work/docker
app=$work/app
mkdir -p "$app/.unikraft/build"
# A 32-bit ELF header with a multiboot header after it, as Unikraft's x86_64 image has (kraft run
# checks both: an x86_64 ELF such as /bin/true is a Linux program, run through the ELF loader), padded to 25 MB.
python3 -c "import struct,sys; h=bytearray(64); h[0:7]=b'\x7fELF\x01\x01\x01'; struct.pack_into('<HHI',h,16,2,3,1); sys.stdout.buffer.write(bytes(h)+struct.pack('<I',0x1BADB002))" > "$app/.unikraft/build/big_qemu-x86_64"
head -c 25000000 /dev/urandom >> "$app/.unikraft/build/big_qemu-x86_64"
head -c 25000000 /dev/urandom > "$app/.unikraft/build/big_qemu-arm64"
printf 'spec: v0.6\nname: big\nunikraft: stable\ntargets:\n  - qemu/x86_64\n  - qemu/arm64\n' > "$app/Kraftfile"
ref=127.0.0.1:$port/big:1
"$kraft" pkg "$app" --name "$ref"
# Each run pushes into a fresh repository (so nothing is skipped as already there) and pulls into a fresh store.
[ -n "${SKIP_PUSH:-}" ] || hyperfine -N --runs "${RUNS:-5}" --export-markdown "$root/bench/results/oci-push-pull.md" \
  --prepare "rm -rf $work/pulled $work/skopeo-out" \
  -n 'kraft pkg push + pull (50 MB, 2 platforms)' "bash -c 'r=127.0.0.1:$port/k\$RANDOM\$RANDOM:1; $kraft pkg push $ref --as \$r >/dev/null && KRAFT_OCI_DIR=$work/pulled $kraft pkg pull \$r --all-platforms >/dev/null'" \
  -n 'skopeo copy --all to registry + back (same layout)' "bash -c 'r=127.0.0.1:$port/s\$RANDOM\$RANDOM:1; skopeo copy -q --all --preserve-digests --dest-tls-verify=false oci:$work/store:$ref docker://\$r && skopeo copy -q --all --preserve-digests --src-tls-verify=false docker://\$r oci:$work/skopeo-out:x'"

# kraft run REF vs KERNEL (dry run: the QEMU command line, so only kraft's own work is measured).
"$kraft" run --dry-run "$ref" -m x86_64 >/dev/null
hyperfine -N --warmup 3 --runs "${RUNS_RUN:-30}" --export-markdown "$root/bench/results/oci-run.md" \
  -n 'kraft run --dry-run KERNEL' "$kraft run --dry-run -W $app/.unikraft/build/big_qemu-x86_64" \
  -n 'kraft run --dry-run REF (stored)' "$kraft run --dry-run -W $ref -m x86_64"

# 200 small images in the store.
small=$work/small
mkdir -p "$small"
for i in $(seq 1 200); do head -c 4096 /dev/urandom > "$small/k$i"; "$kraft" pkg --kernel "$small/k$i" --plat qemu --arch x86_64 --name "127.0.0.1:$port/img$i:1" >/dev/null; done
echo "images: $("$kraft" pkg ls --oci | tail -n +2 | wc -l)"
hyperfine -N --warmup 5 --runs "${RUNS_LS:-50}" --export-markdown "$root/bench/results/oci-ls.md" \
  -n 'kraft --version' "$kraft --version" \
  -n 'kraft pkg ls --oci (200 images)' "$kraft pkg ls --oci" \
  -n 'kraft pkg ls --oci -o json (200 images)' "$kraft pkg ls --oci -o json"
