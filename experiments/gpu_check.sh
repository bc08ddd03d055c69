#!/usr/bin/env bash
# The GPU measurement of the backends issue, in one go (under 8 minutes on one GPU):
#
#   experiments/gpu_check.sh DATA_DIR
#
# DATA_DIR has the data home's layout with only the files the steps read:
#   beijing_multisite_air_quality/beijing_multisite_air_quality_2013_2017.csv.gz
#   anki_spa_eng/spa.txt
# Runs under KERAS_BACKEND=jax (the GPU machine has JAX with CUDA and no TensorFlow):
# the layer bench, the forecast default profile on Beijing in float32 and in
# mixed_bfloat16, and the translate `full` profile; writes experiments/results/gpu.md
# with the device's name, wall times, seconds per epoch, metrics and, from
# experiments/results/cpu_check.json, the CPU figures of the same steps.
set -euo pipefail
if [[ $# -lt 1 || ! -d "$1" ]]; then
  echo "usage: $0 DATA_DIR  (a folder in the data home's layout)" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
export KERAS_BACKEND="${KERAS_BACKEND:-jax}" PYTHONUNBUFFERED=1
exec "${PYTHON:-python3}" experiments/device_check.py --data "$1" --device gpu \
  --out experiments/results/gpu.md --json experiments/results/gpu_check.json \
  --cpu-reference experiments/results/cpu_check.json
