# Sourced by the 224-px model benchmarks (run_model_matrix.sh, bench_engine_switches.sh) after they set
# `seconds`: reads the models folder from $2 (default /tmp/loupe-torchvision), the Python from LOUPE_PYTHON
# and the models from MODELS; pins every side to 2 threads; builds the release `loupe` (sets `loupe`);
# exports the torchvision models that are missing (random weights, dynamic batch axis).
folder=${2:-/tmp/loupe-torchvision}
python=${LOUPE_PYTHON:-${PYTHON:-python3}}
models=${MODELS:-resnet50,mobilenet_v2,efficientnet_b0,convnext_tiny,vit_b_16,swin_t}
export LOUPE_THREADS=2 OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2
swift build -c release --product loupe >/dev/null
loupe=$(swift build -c release --show-bin-path)/loupe
"$python" Benchmarks/export_torchvision.py "$folder" --dynamic --models "$models" >/dev/null
