"""`rnnkit study long_memory`: matched sizes, every registry cell, the output's shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.studies import load_params, run_study
from pipelines.studies.long_memory import build_model, sizes
from pipelines.studies.synthetic import adding_problem, first_symbol
from rnnkit.models import RECURRENT_NAMES


def test_full_config_covers_every_registry_cell_at_matched_size():
    _, params = load_params("long_memory", overrides=["tasks=[adding]"])
    assert {c.cell for c in params.cells} == set(RECURRENT_NAMES)
    sized = sizes(params)
    counts = [count for _, count in sized.values()]
    budget = params.param_budget
    assert all(abs(c - budget) <= 0.1 * budget for c in counts), sized
    for (task, label), (units, count) in sized.items():
        entry = next(e for e in params.cells if e.label == label)
        assert build_model(task, entry, units, params).count_params() == count


def test_tasks_targets_follow_their_definitions():
    rng = np.random.default_rng(0)
    x, y = adding_problem(64, 20, rng)
    assert (x[..., 1].sum(axis=1) == 2).all()
    assert (x[:, :10, 1].sum(axis=1) == 1).all()  # one marker in each half
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * x[..., 1]).sum(axis=1), rtol=1e-6)
    x, y = first_symbol(16, 9, 5, rng)
    assert x.shape == (16, 9, 5) and (x.sum(axis=-1) == 1).all()
    assert (x[:, 0].argmax(axis=-1) == y).all()


def test_long_memory_smoke_table_per_task(task_store, tmp_path):
    task_store("study-long_memory")
    out = tmp_path / "lm"
    run_study("long_memory", smoke=True, out_dir=out)
    _, params = load_params("long_memory", smoke=True)
    frame = pd.read_csv(out / "long_memory.csv")
    assert len(frame) == (len(params.tasks) * len(params.steps) * len(params.cells)
                          * params.seeds)
    accuracy = frame[frame.task == "first_symbol"].score
    assert ((accuracy >= 0) & (accuracy <= 1)).all()
    assert (frame[frame.task == "adding"].score > 0).all()
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "## Adding problem: test MSE" in text and "## Remember the first symbol" in text
    assert (out / "long_memory.png").exists()


def test_reset_model_trains_like_a_fresh_one():
    """Re-initializing a compiled model per seed equals building and compiling a new one."""
    import keras

    from pipelines.studies.long_memory import compiled_model, reset, train_and_score

    _, params = load_params("long_memory", smoke=True)
    entry = params.cells[0]
    reused = compiled_model("adding", entry, 8, 8, params)
    reset(reused, "adding", entry, 8, 8, 0, params)
    train_and_score(reused, "adding", 8, 0, params)  # train once: moments, iterations move
    reset(reused, "adding", entry, 8, 8, 1, params)
    keras.utils.set_random_seed(1)
    fresh = compiled_model("adding", entry, 8, 8, params)
    assert all(np.array_equal(a, b) for a, b in zip(reused.get_weights(), fresh.get_weights(),
                                                    strict=True))
    score_reused, _ = train_and_score(reused, "adding", 8, 1, params)
    score_fresh, _ = train_and_score(fresh, "adding", 8, 1, params)
    np.testing.assert_allclose(score_reused, score_fresh, rtol=1e-5)


def test_training_budget_is_per_task_and_checked():
    from pipelines.core.errors import ConfigError
    from pipelines.studies.long_memory import TASKS, Training, training

    _, params = load_params("long_memory", smoke=True,
                            overrides=["training.adding.train_steps=7"])
    assert set(Training.model_fields) == set(TASKS) == set(params.tasks)
    assert training("adding", params).model_dump() == {  # the rest from the smoke profile
        "train_steps": 7, "batch": 4, "learning_rate": 0.01}
    assert training("first_symbol", params).learning_rate == 0.005  # from the defaults
    with pytest.raises(ConfigError, match=r"'training\.adding\.batch' must be an integer >= 1; "
                                          r"received 0 \(from override"):
        load_params("long_memory", overrides=["training.adding.batch=0"])
    with pytest.raises(ConfigError, match=r"'tasks'.*received \['adding', 'copy'\]"):
        load_params("long_memory", overrides=["tasks=[adding, copy]"])
