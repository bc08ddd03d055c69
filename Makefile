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

.PHONY: install test test-tensorflow test-jax lint bench study forecast translate ui clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

lint: install
	$(BIN)/ruff check rnnkit pipelines tests experiments

test: lint test-tensorflow test-jax

test-tensorflow: install
	$(BIN)/python -m pytest

# The layer library is backend-neutral (keras.ops only), and so is the path from ingest
# to a saved model: prove both on JAX too.
test-jax: install
	KERAS_BACKEND=jax $(BIN)/python -m pytest tests/rnnkit \
	  tests/pipelines/forecast/test_forecast_pipeline.py \
	  tests/pipelines/speech/test_speech_pipeline.py \
	  tests/pipelines/sentiment/test_sentiment_pipeline.py \
	  tests/pipelines/translate/test_translate_pipeline.py \
	  -k "rnnkit or smoke_run or speech or sentiment or translate"

bench: install
	$(BIN)/python experiments/bench_layers.py
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
