#!/usr/bin/env bash
# Runs the whole test suite: unit tests, and end-to-end tests that drive the published NativeAOT
# `kraft` against the fixture core under real make, gcc and QEMU. The last line is the totals.
set -uo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The end-to-end tests run this binary (published the way users get it).
if ! dotnet publish src/Kraft.Cli/Kraft.Cli.csproj -c Release -r linux-x64 -o artifacts/bin --nologo -v quiet; then
  echo "test.sh: publishing kraft failed"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
export KRAFT_BIN="$PWD/artifacts/bin/kraft"

log=$(mktemp)
# A test that hangs fails after 10 minutes (with its name) instead of eating the whole CI budget.
dotnet test tests/Kraft.Tests/Kraft.Tests.csproj -c Release --nologo --blame-hang-timeout 10m --blame-hang-dump-type none \
  --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" \
  | awk '/^\[xUnit/ {next} /^  (Passed|Failed|Skipped) /{show = ($1 != "Passed")} /^(Passed|Failed)!|error [A-Z]+[0-9]+:|[Bb]lame|aborted|crashed/{show = 1} show'
status=${PIPESTATUS[0]}

# dotnet test's summary: "Passed!  - Failed:     0, Passed:   120, Skipped:     3, Total: ..."
sum() { grep -oE "$1:[[:space:]]+[0-9]+" "$log" | awk '{s+=$2} END {print s+0}'; }
passed=$(sum Passed); failed=$(sum Failed); skipped=$(sum Skipped)
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
