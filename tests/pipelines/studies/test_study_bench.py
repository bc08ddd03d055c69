"""`rnnkit study bench --smoke`: both sweeps and every input pipeline, on real data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.studies import load_params, run_study

DATA = Path(os.environ.get("RNNKIT_DATA_HOME", "data/raw"))
NEEDED = [DATA / "free_spoken_digit/fsdd_recordings.tar.gz",
          DATA / "imdb_reviews/imdb_reviews.csv.gz"]


@pytest.mark.dataset
def test_bench_smoke_measures_every_point_and_pipeline(task_store, tmp_path):
    missing = [str(p) for p in NEEDED if not p.exists()]
    if missing:
        pytest.skip(f"data home lacks {', '.join(missing)}")
    task_store("study-bench")
    out = tmp_path / "bench"
    run_study("bench", smoke=True, out_dir=out)
    _, params = load_params("bench", smoke=True)

    layers = pd.read_csv(out / "layer_throughput.csv")
    points = {(t, params.batch_fixed) for t in params.steps}
    points |= {(params.steps_fixed, b) for b in params.batches}
    assert len(layers) == len(points) * len(params.layers)
    assert (layers.steps_per_s > 0).all()
    np.testing.assert_allclose(layers.samples_per_s, layers.steps_per_s * layers.batch,
                               rtol=1e-5)

    inputs = pd.read_csv(out / "pipelines.csv")
    assert inputs.unit.tolist() == ["windows/s", "clips/s", "spectrograms/s", "sentences/s",
                                    "sentences/s"]
    assert (inputs["input items/s"] > 0).all() and (inputs["model items/s"] > 0).all()
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "Command: `rnnkit study bench --smoke`" in text
    assert "## Input pipelines against the model they feed" in text
    assert (out / "layer_throughput.png").stat().st_size > 1000
