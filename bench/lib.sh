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
