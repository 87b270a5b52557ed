#!/usr/bin/env bash
# Runs every test of abusedefs: formatting, lints, unit and integration tests.
# On a fresh machine it installs what the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== formatting"
cargo fmt --all -- --check

echo "== lints"
cargo clippy --locked --all-targets -- -D warnings

echo "== unit and integration tests"
cargo test --locked
