#!/usr/bin/env bash
# The README's test command: installs system packages, builds, runs every test (debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
export PATH="/opt/swift/usr/bin:$PATH"
swift build --build-tests
swift test --skip-build
