#!/usr/bin/env bash
# The health sampler's benchmark runs once under `cargo test`, so it keeps compiling and its
# check that the sampler uses under 1% of one core at the default interval keeps running.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo test --locked --bench health
