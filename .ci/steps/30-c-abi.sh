#!/usr/bin/env bash
# The C ABI from C: the header matches cbindgen's output from the sources (regenerated with the
# pinned cbindgen), and the C replay compiled with -Wall -Wextra -Werror passes, also under
# valgrind, which must be installed here.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo test --locked --test header
MIKROBOT_REQUIRE_VALGRIND=1 cargo test --locked --test c_abi
