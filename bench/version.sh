#!/usr/bin/env bash
# kraft --version: the NativeAOT binary beside the same code run by the JIT.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results artifacts
[ -x artifacts/bin/kraft ] || dotnet publish src/Kraft.Cli -c Release -r linux-x64 -o artifacts/bin --nologo -v quiet
dotnet build src/Kraft.Cli -c Release -o artifacts/jit --nologo -v quiet -p:PublishAot=false >/dev/null
hyperfine -N --warmup 5 --runs 50 --export-markdown bench/results/version.md \
  -n aot 'artifacts/bin/kraft --version' \
  -n jit 'dotnet artifacts/jit/kraft.dll --version'
