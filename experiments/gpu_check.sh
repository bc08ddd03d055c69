#!/usr/bin/env bash
# The GPU measurement of the performance issue, in one go, sized for a short lease
# (about 8 minutes on one GPU; extra arguments go to experiments/device_check.py):
#
#   experiments/gpu_check.sh DATA_DIR [--deadline SECONDS] [--set STEP:key=value ...]
#
# DATA_DIR has the data home's layout with only the files the steps read:
#   beijing_multisite_air_quality/beijing_multisite_air_quality_2013_2017.csv.gz
#   anki_spa_eng/spa.txt
# Runs under KERAS_BACKEND=jax (the GPU machine has JAX with CUDA and no TensorFlow):
# 1. the layer bench, with every rnnkit layer against Keras GRU and LSTM (--gated);
# 2. the forecast default on Beijing, float32, unchanged;
# 3. the translate `full` profile, its training cut at 2.5 minutes and scored on 2,000
#    test pairs (a lease is too short for all 12 epochs: the figure it gives is seconds
#    per epoch);
# 4. the forecast in mixed_bfloat16, 3 epochs, no ETS baseline (again: epoch seconds).
# Writes experiments/results/gpu.md with the device's name, wall times, seconds per
# epoch, metrics and, from experiments/results/cpu_check.json, the CPU figures of the
# same steps; the page is rewritten after every step.
set -euo pipefail
if [[ $# -lt 1 || ! -d "$1" ]]; then
  echo "usage: $0 DATA_DIR [device_check.py options]  (DATA_DIR: the data home's layout)" >&2
  exit 2
fi
data="$1"; shift
cd "$(dirname "$0")/.."
export KERAS_BACKEND="${KERAS_BACKEND:-jax}" PYTHONUNBUFFERED=1
exec "${PYTHON:-python3}" experiments/device_check.py --data "$data" --device gpu \
  --steps bench,forecast,translate_full,forecast_bf16 \
  --set translate_full:train.time_budget_minutes=2.5 \
  --set translate_full:evaluate.max_test=2000 \
  --set forecast_bf16:train.epochs=3 --set forecast_bf16:evaluate.statistical=none \
  --step-timeout bench=170 --step-timeout forecast=170 \
  --step-timeout translate_full=240 --step-timeout forecast_bf16=100 \
  --deadline 500 \
  --out experiments/results/gpu.md --json experiments/results/gpu_check.json \
  --cpu-reference experiments/results/cpu_check.json "$@"
