# rnnkit — every target that needs the environment installs it first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# CI and development read the shared datasets when they sit beside the repo.
ifneq ($(wildcard ../shared/datasets),)
export RNNKIT_DATA_HOME ?= $(abspath ../shared/datasets)
endif
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install test test-tensorflow test-jax canary lint bench study forecast translate ui clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -e '.[dev]'
	$(BIN)/python -m compileall -q -j 0 $$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))') > /dev/null
	@touch $(STAMP)

lint: install
	$(BIN)/ruff check rnnkit pipelines tests experiments

test: lint test-tensorflow test-jax

# Tests run on pytest-xdist workers, one more than the cores (at most 5): much of the suite
# waits on subprocesses, servers and sleeps, which the extra worker fills (2 cores: 3
# workers, 7% less wall time than 2). PYTEST_WORKERS=0 runs them in one process. Tests
# sharing a module fixture (one mlflow server) stay on one worker. Each half ends with
# its 15 slowest tests, where the suite's time goes.
PYTEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print(min(len(os.sched_getaffinity(0)) + 1, 5))')
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations 15

# The real-data runs, which check that each task learns, run on TensorFlow; the tiny runs
# (every task, end to end) are the JAX half's pipeline check.
test-tensorflow: install
	$(PYTEST) -m "not canary" --ignore tests/pipelines/test_tiny_runs.py

# The layer library is backend-neutral (keras.ops only), and so is the path from ingest
# to a saved model: on JAX again, the layers' numerics, seq2seq step decoding, and every
# task end to end on tiny data. (The half above reloads every registry model saved on
# TensorFlow under JAX and the other way round, tests/rnnkit/models/test_cross_backend.py,
# and runs the forecast smoke with TensorFlow hidden, tests/pipelines/test_without_tensorflow.py.)
# Left to the TensorFlow half, where the code they check is the same on both backends:
# the Bidirectional wrapper's go_backwards (Keras's own loop on JAX), compile()'s label
# smoothing trained against the loss over the logits (the loss's numerics stay here), and
# learning to copy.
test-jax: install
	KERAS_BACKEND=jax $(PYTEST) tests/rnnkit/layers tests/rnnkit/models/test_seq2seq.py \
	  tests/pipelines/test_tiny_runs.py \
	  -k "not learns_to_copy and not test_bidirectional and not trains_as_over_the_logits"

# Tests of a dependency's limitation the code works around (Keras 3 and TensorFlow's
# MultiWorkerMirroredStrategy): run them when the keras or tensorflow pins move.
canary: install
	$(BIN)/python -m pytest -m canary

# One table per backend: KERAS_BACKEND=jax make bench writes the JAX ones.
bench: install
	$(BIN)/python experiments/bench_layers.py
	$(BIN)/python experiments/bench_cold_start.py
	$(BIN)/python experiments/bench_backtest.py
	$(BIN)/python experiments/bench_memory.py
	$(BIN)/rnnkit study bench

# One study, its results under experiments/results/$(NAME): make study NAME=gradients
study: install
	$(BIN)/rnnkit study $(NAME) $(ARGS)

forecast: install
	$(BIN)/rnnkit run forecast

# Train the default English -> Spanish model, then translate a few sentences with it.
translate: install
	$(BIN)/rnnkit run translate
	$(BIN)/rnnkit translate "Where is the train station?" "Tom doesn't like cats." \
	  "I have never been to Madrid." "Can you help me, please?" --beam 4

# MLflow UI on 127.0.0.1 over the store `make forecast` writes to.
ui: install
	$(BIN)/rnnkit ui

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
