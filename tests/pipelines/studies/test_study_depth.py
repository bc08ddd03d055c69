"""`rnnkit study depth --smoke`: matched sizes per variant, both tasks, the table's shape."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.studies import load_params, run_study
from pipelines.studies.depth import char_chunks

SPA = Path(os.environ.get("RNNKIT_DATA_HOME", "data/raw")) / "anki_spa_eng/spa.txt"


def test_char_chunks_target_is_the_next_character():
    index = {ch: i + 2 for i, ch in enumerate("abc\n")}
    x, y = char_chunks("abcab\ncba\n", index, 3)
    assert x.shape == y.shape == (3, 3)
    np.testing.assert_array_equal(x.ravel()[1:], y.ravel()[:-1])


@pytest.mark.dataset
def test_depth_smoke_scores_every_variant_on_both_tasks(task_store, tmp_path):
    if not SPA.exists():
        pytest.skip(f"data home lacks {SPA}")
    task_store("study-depth")
    out = tmp_path / "depth"
    run_study("depth", smoke=True, out_dir=out)
    _, params = load_params("depth", smoke=True)
    frame = pd.read_csv(out / "depth.csv")
    assert len(frame) == len(params.tasks) * len(params.variants) * params.seeds
    for task in params.tasks:
        budget = getattr(params, task).param_budget
        counts = frame[frame.task == task].params
        assert (abs(counts - budget) <= 0.25 * budget).all(), counts
    chars = frame[frame.task == "chars"].score
    assert ((chars > 0) & (chars < 8)).all()  # bits per character, under uniform over 256
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "## Depth variants at matched parameter counts" in text
    assert "seasonal-naive" in text and "unigram" in text
