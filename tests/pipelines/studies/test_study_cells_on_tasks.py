"""`rnnkit study cells_on_tasks --smoke`: one task run per cell, each its own MLflow run."""

from __future__ import annotations

import pandas as pd

from pipelines.studies import load_params, run_study
from rnnkit.models import RECURRENT_NAMES


def test_full_config_lists_every_registry_cell_and_task():
    _, params = load_params("cells_on_tasks")
    assert set(params.cells) == set(RECURRENT_NAMES)
    assert set(params.tasks) == {"forecast", "speech", "sentiment", "translate"}


def test_cells_on_tasks_smoke_runs_the_task_per_cell(task_store, tmp_path):
    task_store("study-cells_on_tasks")
    client = task_store("forecast")
    out = tmp_path / "cot"
    run_study("cells_on_tasks", smoke=True, out_dir=out)
    _, params = load_params("cells_on_tasks", smoke=True)
    frame = pd.read_csv(out / "cells_on_tasks.csv")
    assert frame.cell.tolist() == params.cells
    assert (frame.score > 0).all() and (frame.params > 0).all()
    assert frame.params.nunique() == len(params.cells)  # each cell's own model was counted
    for row in frame.itertuples():
        run = client.get_run(row.run_id)
        assert run.data.tags["cell"] == row.cell and run.info.status == "FINISHED"
        assert abs(run.data.metrics["test/mae"] - row.score) <= 1e-5 * row.score
