#!/bin/sh
# Unpacks the Kconfig part of Linux 6.1 and builds its reference conf, for the Kconfig parity tests.
#   usage: prepare-linux-kconfig.sh DEST [TARBALL]
# then:   KRAFT_TEST_LINUX_SRC=DEST/linux-source-6.1 dotnet test tests/Kraft.Tests --filter FullyQualifiedName~Kconfig
# Needs: tar, xz, flex, bison, gcc (Debian: apt-get install linux-source-6.1 flex bison gcc).
set -eu
dest=${1:?usage: prepare-linux-kconfig.sh DEST [TARBALL]}
tarball=${2:-/usr/src/linux-source-6.1.tar.xz}
mkdir -p "$dest"
cd "$dest"
if [ ! -f linux-source-6.1/Kconfig ]; then
    tar -xf "$tarball" --wildcards \
        'linux-source-6.1/Kconfig' '*/Kconfig*' \
        'linux-source-6.1/scripts/*' \
        'linux-source-6.1/arch/*/configs/*'
fi
k=linux-source-6.1/scripts/kconfig
if [ ! -x "$k/conf" ]; then
    flex -o "$k/lexer.lex.c" -L "$k/lexer.l"
    bison -o "$k/parser.tab.c" --defines="$k/parser.tab.h" -t -l "$k/parser.y"
    gcc -O2 -w -I"$k" -o "$k/conf" \
        "$k/conf.c" "$k/confdata.c" "$k/expr.c" "$k/lexer.lex.c" "$k/menu.c" \
        "$k/parser.tab.c" "$k/preprocess.c" "$k/symbol.c" "$k/util.c"
fi
echo "KRAFT_TEST_LINUX_SRC=$(pwd)/linux-source-6.1"
