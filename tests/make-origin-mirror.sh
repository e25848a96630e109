#!/bin/sh
# Fills a mirror folder with the archives lib-musl and lib-lwip download during a
# Unikraft build, made from Debian's source packages, so a build behind a
# firewall (or the opt-in real-Unikraft tests) can run offline:
#   unikraft:
#     mirrors: [DIR]          # in kraft's config.yaml (or [fetch] mirrors in .kraftrc)
#
# Usage: tests/make-origin-mirror.sh DIR
#
#   musl-1.2.3.tar.gz   Debian's musl_1.2.3.orig.tar.gz, byte for byte (it is
#                       upstream's file: musl's own signature checks).
#   UNIKRAFT-2_1_x.zip  lwIP 2.1.3 from Debian's lwip_2.1.3+dfsg1.orig.tar.xz with
#                       its CRLF line endings turned into LF (Unikraft's patches
#                       expect LF) in the folder fork-lwip-UNIKRAFT-2_1_x, the
#                       name lib-lwip's Makefile.uk unpacks (CONFIG_LWIP_UNIKRAFT21X).
#   sqlite-amalgamation-3400100.zip
#                       SQLite 3.40.1's amalgamation (sqlite3.c, sqlite3.h,
#                       sqlite3ext.h, shell.c in sqlite-amalgamation-3400100/, the
#                       layout lib-sqlite unpacks), generated from Debian's
#                       sqlite3_3.40.1.orig.tar.xz (the full source tree) by
#                       SQLite's own `make sqlite3.c shell.c` (needs tclsh, gcc):
#                       the same code as upstream's zip, not the same bytes
#                       (lib-sqlite checks no hash).
#
# apt's own configuration is not changed: the deb-src list, the package lists
# and the downloads live in a private temporary folder.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 MIRROR_DIR" >&2; exit 2; }
mkdir -p "$1"
mirror=$(cd "$1" && pwd)
for tool in apt-get dpkg-source zip python3 tclsh make gcc; do
	command -v $tool >/dev/null || { echo "$0: needs $tool (apt-get install -y --no-install-recommends zip dpkg-dev python3 tcl make gcc)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/parts" "$work/src"
sed 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources > "$work/parts/debian.sources"
apt_private() {
	apt-get -q -o Dir::Etc::SourceParts="$work/parts" -o Dir::Etc::SourceList=/dev/null \
		-o Dir::State::Lists="$work/lists" -o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}
apt_private update >/dev/null
(cd "$work/src" && apt_private source --download-only musl lwip sqlite3 >/dev/null)

cp "$work/src"/musl_1.2.3.orig.tar.gz "$mirror/musl-1.2.3.tar.gz.tmp"
mv "$mirror/musl-1.2.3.tar.gz.tmp" "$mirror/musl-1.2.3.tar.gz"

mkdir "$work/lwip"
tar -xJf "$work/src"/lwip_2.1.3+dfsg1.orig.tar.xz -C "$work/lwip"
top=$(ls "$work/lwip")
mv "$work/lwip/$top" "$work/lwip/fork-lwip-UNIKRAFT-2_1_x"
# CRLF -> LF in every text file (binary files have NUL bytes and are left alone).
python3 - "$work/lwip/fork-lwip-UNIKRAFT-2_1_x" <<'PY'
import os, sys
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        p = os.path.join(root, name)
        data = open(p, 'rb').read()
        if b'\0' not in data and b'\r\n' in data:
            open(p, 'wb').write(data.replace(b'\r\n', b'\n'))
PY
(cd "$work/lwip" && TZ=UTC find fork-lwip-UNIKRAFT-2_1_x -exec touch -d 2020-01-01T00:00:00 {} + \
	&& find fork-lwip-UNIKRAFT-2_1_x | LC_ALL=C sort | zip -q -X -@ "$work/lwip.zip")
mv "$work/lwip.zip" "$mirror/UNIKRAFT-2_1_x.zip"
sqlite=sqlite-amalgamation-3400100
mkdir "$work/sqlite" "$work/sqlite-build" "$work/sqlite-zip"
tar -xJf "$work/src"/sqlite3_3.40.1.orig.tar.xz -C "$work/sqlite"
(cd "$work/sqlite-build" && "$work/sqlite/sqlite3-3.40.1/configure" --disable-tcl >/dev/null && make -s sqlite3.c shell.c >/dev/null)
mkdir "$work/sqlite-zip/$sqlite"
for f in sqlite3.c sqlite3.h sqlite3ext.h shell.c; do cp "$work/sqlite-build/$f" "$work/sqlite-zip/$sqlite/"; done
(cd "$work/sqlite-zip" && TZ=UTC find "$sqlite" -exec touch -d 2022-12-28T00:00:00 {} + \
	&& find "$sqlite" | LC_ALL=C sort | zip -q -X -@ "$work/$sqlite.zip")
mv "$work/$sqlite.zip" "$mirror/$sqlite.zip"
cd "$mirror" && sha256sum musl-1.2.3.tar.gz UNIKRAFT-2_1_x.zip $sqlite.zip
