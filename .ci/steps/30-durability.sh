#!/usr/bin/env bash
# Durability: the crash test (SIGKILL of a guard feeding its engine and journal,
# 1,000 cycles unless MIKROBOT_CRASH_CYCLES sets another count, about 3 minutes on
# 2 busy cores) and the fault-injection tests, with their
# counts printed. The disk-full test mounts a small tmpfs and skips, saying why,
# where mounting is not permitted.
set -euo pipefail
export MIKROBOT_CRASH_CYCLES="${MIKROBOT_CRASH_CYCLES:-1000}"
export MIKROBOT_FAULT_STRIDE="${MIKROBOT_FAULT_STRIDE:-1}"
cargo test --locked --test store_crash --test store_faults --test store_disk_full -- --nocapture
