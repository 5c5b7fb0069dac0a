#!/usr/bin/env bash
# The README's test command: installs system packages, builds, runs every test (debug build) and
# prints how many tests were skipped.
# (`swift build --build-tests` would also compile swift-protobuf's bundled C++ protoc, ~10 minutes,
# which Loupe does not need: `swift test` builds only the test products.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
export PATH="/opt/swift/usr/bin:$PATH"
swift build --product loupe
# swift test's own output passes through unchanged; a count of the skipped tests follows it.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
swift test 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
skipped=$(grep -cE "^Test Case '.*' skipped|: Test Case '.*' skipped" "$log" || true)
echo "skipped: $skipped tests (tests that need ../shared or LOUPE_PYTHON skip with a message when those are absent)"
exit "$status"
