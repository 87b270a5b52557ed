#!/usr/bin/env bash
# Runs every test of abusedefs: formatting, lints, unit and integration tests, then the
# browser tests (headless Chromium, axe-core, the Nu HTML Checker, export schemas) on the
# demo site. On a fresh machine it first installs what the tests need: Debian's chromium
# (and Java for the HTML checker) with apt-get, and the npm packages of tests/browser.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v git >/dev/null || need_apt+=(git)
# libgit2, zlib and mimalloc are compiled from C.
command -v cc >/dev/null || need_apt+=(gcc libc6-dev)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v java >/dev/null || need_apt+=(default-jre-headless)
command -v node >/dev/null || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    echo "== installing the Rust $component component"
    rustup component add "$component"
  fi
done

echo "== formatting"
cargo fmt --all -- --check

echo "== lints"
cargo clippy --locked --all-targets -- -D warnings

echo "== unit and integration tests"
cargo test --locked

echo "== browser tests"
(cd tests/browser && { [ -d node_modules ] || npm ci --no-audit --no-fund --ignore-scripts; })
out=tests/browser/output
rm -rf "$out/site" "$out/screenshots"
mkdir -p "$out"
rm -rf "$out/repo"
cargo run --locked --quiet -- demo --out "$out/site" --keep-repo "$out/repo" --today 2026-12-04 >/dev/null
(cd tests/browser && SITE_DIR="$PWD/output/site" SHOTS_DIR="$PWD/output/screenshots" \
  ABUSEDEFS_BIN="$PWD/../../target/debug/abusedefs" DEMO_REPO="$PWD/output/repo" REPORT_FILE="$PWD/output/measurements.txt" \
  npm test)
