#!/usr/bin/env bash
# The README's test command: installs system packages, builds, runs every test (debug build).
# (`swift build --build-tests` would also compile swift-protobuf's bundled C++ protoc, ~10 minutes,
# which Loupe does not need: `swift test` builds only the test products.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
export PATH="/opt/swift/usr/bin:$PATH"
swift build --product loupe
swift test
