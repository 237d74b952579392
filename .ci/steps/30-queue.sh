#!/usr/bin/env bash
# The signal queue's concurrency checks and the benchmarks' build:
# - the loom model of the ring and the sleep protocol (cfg(loom), own target dir), with
#   at most 5 preemptions per run unless LOOM_MAX_PREEMPTIONS sets another bound (an
#   unbounded run of the two-producer model takes about 4 minutes on 2 cores, the bound
#   of 5 about 15 seconds, and it still fails on a Relaxed head store, an off-by-one
#   in the room check, or either side of the sleep handshake skipping its barrier);
# - Miri over the queue unit tests, which run the queue's unsafe code, with iteration
#   counts shrink under cfg(miri);
# - the benchmarks run once under `cargo test`, so they keep compiling and working.
set -euo pipefail

echo "--- loom model"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-5}"
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
  cargo test --locked --lib --release queue::loom_model

echo "--- miri"
if ! cargo +nightly miri --version >/dev/null 2>&1; then
  rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
  rustup +nightly component add miri rust-src
fi
cargo +nightly miri test --locked --lib -- queue::

echo "--- benches compile and run once"
cargo test --locked --bench queue --bench latency --bench ratios
