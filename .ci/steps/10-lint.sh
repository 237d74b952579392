#!/usr/bin/env bash
# Formatting and lints; clippy warnings fail the build.
set -euo pipefail
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
