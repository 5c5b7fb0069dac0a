#!/usr/bin/env bash
# Whole-report benchmark (issue 17, item 6): Examples/resnet50.json, torchvision ResNet-50 with a 10-class head (random
# weights) at 224 px over 1,000 CIFAR-10 images, every section at its defaults. Builds release,
# exports the model if it is missing, runs the job under /usr/bin/time -v and prints each stage's
# seconds from run.json and the peak RSS. Goal: under 15 minutes on 2 cores.
#
#   LOUPE_PYTHON=/path/to/python Benchmarks/bench_resnet50_report.sh
# Env: IMAGES (default 1000: the job's dataset range is cut to the first IMAGES images),
#      FULL=1 (set every key ComputeBudget would lower to today's default, i.e. the report as it was
#      before the sizing: the "before" column), ONLY="gradients sanity" (run only these sections
#      besides the summary), NO_BUILD=1, LOUPE (binary), WORK (scratch folder).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOUPE=${LOUPE:-$ROOT/.build/release/loupe}
WORK=${WORK:-/tmp/loupe_bench_resnet50}
IMAGES=${IMAGES:-1000}
MODEL=$ROOT/reports/models/resnet50_dynamic_10classes.onnx
mkdir -p "$WORK"
if [ -z "${NO_BUILD:-}" ]; then (cd "$ROOT" && swift build -c release --product loupe); fi
if [ ! -f "$MODEL" ]; then
    : "${LOUPE_PYTHON:?set LOUPE_PYTHON to a Python with torch, torchvision and onnx to export the model}"
    "$LOUPE_PYTHON" "$ROOT/Benchmarks/export_torchvision.py" "$ROOT/reports/models" --dynamic --models resnet50 --classes 10
fi
# The example with absolute paths, the image range, and (FULL=1) today's defaults written out.
python3 - "$ROOT/Examples/resnet50.json" "$WORK/resnet50.json" "$IMAGES" "${FULL:-}" "${ONLY:-}" "$WORK/out" <<'PY'
import json, os, sys
source, target, images, full, only, out = sys.argv[1:]
config = json.load(open(source))
job = config["jobs"][0]
folder = os.path.dirname(os.path.abspath(source))
job["model"]["path"] = os.path.normpath(os.path.join(folder, job["model"]["path"]))
job["classes"]["file"] = os.path.normpath(os.path.join(folder, job["classes"]["file"]))
job["dataset"]["path"] = os.path.normpath(os.path.join(folder, job["dataset"]["path"]))
job["dataset"]["range"] = [0, int(images)]
job["output"] = out
config.pop("$schema", None)
if full:
    defaults = {"robustness": {"images_per_corruption": 300},
                "sanity": {"max_steps": 10, "ig_steps": 20, "smoothgrad_samples": 10, "faithfulness_steps": 20, "samples": 8},
                "gradients": {"ig_steps": 50, "smoothgrad_samples": 25, "statistics_images": 512},
                "features": {"iterations": 200, "class_iterations": 200, "units": 8, "max_classes": 20}}
    for name, keys in defaults.items():
        job["sections"][name] = keys
if only:
    job["sections"] = {name: value for name, value in job["sections"].items() if name == "summary" or name in only.split()}
json.dump(config, open(target, "w"), indent=1)
PY
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1765000000}
/usr/bin/time -v "$LOUPE" run "$WORK/resnet50.json" 2> "$WORK/time.txt" | tail -3
grep -E "Elapsed \(wall|Maximum resident|User time|System time" "$WORK/time.txt"
RUN=$(ls -dt "$WORK"/out/resnet50/*/ | head -1)
python3 - "$RUN/run.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
print("| stage | seconds |\n|---|---|")
for stage, seconds in run["timings_seconds"].items():
    print(f"| {stage} | {seconds:.1f} |")
print(f"| total | {sum(run['timings_seconds'].values()):.1f} |")
PY
echo "report: $RUN"
