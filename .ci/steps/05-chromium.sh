#!/usr/bin/env bash
# Installs Debian's chromium for the tests that render the HTML reports headless
# and check the screenshot. Skipped when a chromium is already on the PATH.
set -euo pipefail
if ! command -v chromium >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
chromium --version
