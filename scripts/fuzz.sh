#!/usr/bin/env bash
# Fuzzes one Loupe parser with libFuzzer for a number of seconds.
#   bash scripts/fuzz.sh TARGET SECONDS      TARGET: onnx | npy | image | config
#   bash scripts/fuzz.sh build               only builds (CI builds once, then runs targets in parallel)
#
# Builds `loupe-fuzz` once into .build-fuzz (libFuzzer with coverage, plus AddressSanitizer
# unless LOUPE_FUZZ_SANITIZE=none; later calls only check that the build is up to date), copies
# the target's seed files from the fixtures and its kept crashers into a temporary corpus folder,
# and runs libFuzzer with the target's dictionary. Inputs that crash, hang (-timeout) or exceed -rss_limit_mb are written to a
# temporary folder that is kept and named at the end; the last line gives the executions and
# coverage. Exit status: 0 when nothing was found, 1 when something was, 2 on a usage or build error.
#
# Environment:
#   LOUPE_FUZZ_SANITIZE   "address" (default) or "none" (the plain fuzzer runtime only)
#   LOUPE_FUZZ_CORPUS     a corpus folder to keep between runs (default: a temporary copy of the seeds)
#   LOUPE_FUZZ_NO_BUILD   set to 1 to skip the build (e.g. while another target's run uses it)
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { echo "usage: bash scripts/fuzz.sh onnx|npy|image|config SECONDS  (or: bash scripts/fuzz.sh build)" >&2; exit 2; }
build_only=0
if [ $# -eq 1 ] && [ "$1" = build ]; then build_only=1; set -- onnx 0; fi
[ $# -eq 2 ] || usage
target=$1 seconds=$2
[[ "$seconds" =~ ^[0-9]+$ ]] || usage
case "$target" in
    onnx)   max_len=65536; seeds=(Tests/Fixtures/ops Tests/Fixtures/hostile Tests/Fixtures/models Tests/Fixtures/matrix) ;;
    npy)    max_len=65536; seeds=(Tests/Fixtures/data/arrays Tests/Fixtures/npz Tests/Fixtures/embeddings Tests/Fixtures/sanity) ;;
    image)  max_len=65536; seeds=(Tests/Fixtures/data Tests/Fixtures/corruptions/in) ;;
    config) max_len=16384; seeds=(config.json Examples) ;;
    *) usage ;;
esac
case "$target" in
    onnx) pattern='*.onnx' ;; npy) pattern='*.np[yz]' ;; config) pattern='*.json' ;;
    image) pattern='*' ;;
esac

export PATH="/opt/swift/usr/bin:$PATH"
# swiftc keeps only the last -sanitize= flag, and SwiftPM orders two --sanitize values at random
# (so one build got no coverage, the next no ASan, and each order change rebuilt everything):
# SwiftPM gets fuzzer alone (it then links libFuzzer's main), swiftc one combined flag after it.
sanitize=(--sanitize fuzzer)
[ "${LOUPE_FUZZ_SANITIZE:-address}" = "address" ] && sanitize+=(-Xswiftc -sanitize=fuzzer,address)
binary=.build-fuzz/debug/loupe-fuzz
if [ "${LOUPE_FUZZ_NO_BUILD:-}" != 1 ]; then
    # gold warns once per ASan helper symbol; those lines are left out of the build's output.
    build_log=$(mktemp)
    if ! swift build --scratch-path .build-fuzz --product loupe-fuzz "${sanitize[@]}" -Xswiftc -DLOUPE_FUZZ >"$build_log" 2>&1; then
        grep -v "warning: Cannot export local symbol '__asan" "$build_log" | tail -40 >&2
        rm -f "$build_log"
        echo "error: the fuzz build failed" >&2
        exit 2
    fi
    printf '%s\n' "$(grep -v "warning: Cannot export local symbol '__asan" "$build_log" | tail -1)"
    rm -f "$build_log"
fi
[ -x "$binary" ] || { echo "error: $binary was not built" >&2; exit 2; }
# Without coverage counters libFuzzer only throws random bytes; refuse such a build.
if command -v readelf >/dev/null && ! readelf -S "$binary" | grep __sancov_cntrs >/dev/null; then
    echo "error: $binary has no coverage instrumentation (check the -sanitize flags)" >&2
    exit 2
fi
[ "$build_only" = 0 ] || exit 0

corpus=${LOUPE_FUZZ_CORPUS:-}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/loupe-fuzz-$target.XXXXXX")
if [ -z "$corpus" ]; then corpus="$scratch/corpus"; fi
mkdir -p "$corpus" "$scratch/found" "$scratch/tmp"
# Seeds: the fixtures of this format under max_len (copied, so libFuzzer's additions stay out of the tree).
# Kept crashers go in whatever their name (libFuzzer names them crash-<sha1>, oom-..., timeout-...).
{ find "${seeds[@]}" -type f -name "$pattern" -size -"$max_len"c ! -name '*.py' ! -name '*.md' 2>/dev/null
  find "Tests/Fixtures/crashers/$target" -type f -size -"$max_len"c 2>/dev/null; } \
    | while read -r file; do cp "$file" "$corpus/seed-$(printf '%s' "$file" | tr '/' '_')"; done

log="$scratch/fuzz.log"
status=0
started=$SECONDS
# A copy runs, so a later build can replace the binary while this target is still fuzzing.
cp "$binary" "$scratch/loupe-fuzz"
# TMPDIR: the binary writes path-read inputs in a folder there, which libFuzzer's exit may leave.
TMPDIR="$scratch/tmp" LOUPE_FUZZ_TARGET=$target LOUPE_MEMORY_LIMIT_MB=64 SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=0 \
    "$scratch/loupe-fuzz" "$corpus" -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -timeout=10 \
    -dict="scripts/fuzz-dictionaries/$target.dict" -artifact_prefix="$scratch/found/" -detect_leaks=0 \
    -print_final_stats=1 -close_fd_mask=1 >"$log" 2>&1 || status=$?

elapsed=$((SECONDS - started))  # shorter than asked when libFuzzer stopped at a finding
# libFuzzer's last status line ("#runs DONE cov: ... ft: ...") and its run count.
grep -E '^#[0-9]+' "$log" | tail -1 || true
runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
line=$(grep -E '^#[0-9]+' "$log" | tail -1)
cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$line")
ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$line")
found=$(find "$scratch/found" -type f | wc -l)
if [ "$status" -ne 0 ] || [ "$found" -gt 0 ]; then
    grep -E 'ERROR: libFuzzer|ERROR: AddressSanitizer|Fatal error|SUMMARY' "$log" | head -5 >&2 || true
    # The input itself, so a CI log alone is enough to reproduce it (libFuzzer prints small ones).
    grep -E '^Base64: ' "$log" | head -3 >&2 || true
    echo "fuzz $target: FOUND $found input(s) in $scratch/found (log $log); add them to Tests/Fixtures/crashers/$target/" >&2
    echo "fuzz $target: ${elapsed} s, ${runs:-?} executions, cov ${cov:-?}, ft ${ft:-?}, status $status"
    exit 1
fi
echo "fuzz $target: ${elapsed} s, ${runs:-?} executions, cov ${cov:-?}, ft ${ft:-?}, no crash, hang or out-of-memory"
if [ -n "${LOUPE_FUZZ_CORPUS:-}" ]; then rm -rf "$scratch/loupe-fuzz" "$scratch/tmp"; else rm -rf "$scratch"; fi
