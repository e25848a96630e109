#!/usr/bin/env bash
# kraft --version: the NativeAOT binary beside the same code run by the JIT.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
dotnet build src/Kraft.Cli -c Release -o artifacts/jit --nologo -v quiet >/dev/null
hyperfine -N --warmup 5 --runs "${RUNS:-50}" --export-markdown bench/results/version.md \
  -n 'kraft --version (NativeAOT)' "$kraft --version" \
  -n 'kraft --version (JIT)' 'dotnet artifacts/jit/kraft.dll --version'
