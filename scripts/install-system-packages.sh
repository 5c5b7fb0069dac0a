#!/usr/bin/env bash
# Installs the Debian 12 packages Loupe builds and tests with (run as root). Idempotent.
#   libcairo2-dev libpango1.0-dev libpng-dev  - PDF/PNG drawing and text (LoupeReportCairo, LoupeData)
#   libopenblas-dev                            - GEMM and LAPACK (LoupeTensor)
#   libdnnl-dev                                - oneDNN convolution kernels, chosen per layer (LoupeTensor)
#   libturbojpeg0-dev                          - JPEG decode and the jpeg_compression corruption
#   pkg-config                                 - SwiftPM finds the libraries' flags with it
#   fonts-dejavu-core                          - the report's fonts
#   poppler-utils                              - tests check rendered PDFs with pdfinfo/pdftotext/pdftoppm
#   slurm-wlm munge                            - scripts/slurm-local.sh: the one-node Slurm cluster the sharding
#                                                test submits a shard array and a dependent merge to
set -euo pipefail
packages=(libcairo2-dev libpango1.0-dev libpng-dev libopenblas-dev libdnnl-dev libturbojpeg0-dev pkg-config fonts-dejavu-core poppler-utils zlib1g-dev slurm-wlm munge)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
