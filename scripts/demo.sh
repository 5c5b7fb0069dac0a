#!/usr/bin/env bash
# The README's first command: installs the system packages, builds Loupe (release) and produces the
# demo report from config.json into reports/demo/<run-id>/ (report.pdf, summary.json, run.json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product loupe
"$(swift build -c release --show-bin-path)/loupe" run config.json
ls -1d reports/demo/*/ | tail -n 1
