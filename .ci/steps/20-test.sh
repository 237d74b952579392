#!/usr/bin/env bash
# The README's test command, then the tests that read the real exports in ../shared/data.
# Those are #[ignore]d so that a clone without that folder still passes `cargo test`.
set -euo pipefail
cargo test --locked
if [ -d ../shared/data ]; then
  cargo test --locked --tests -- --ignored
else
  echo "../shared/data not found: skipping the tests on real exports"
fi
