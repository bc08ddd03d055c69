"""`rnnkit study gradients --smoke`: the output's shape, and physics it must show."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipelines.studies import load_params, run_study


def test_gradients_smoke_writes_results_and_logs_to_mlflow(task_store, tmp_path):
    client = task_store("study-gradients")
    out = tmp_path / "results"
    result = run_study("gradients", smoke=True, out_dir=out)
    _, params = load_params("gradients", smoke=True)
    labels = [c.label for c in params.cells]

    text = (out / "README.md").read_text(encoding="utf-8")
    assert "Command: `rnnkit study gradients --smoke`" in text
    assert re.search(r"Commit: `([0-9a-f]{40}|unknown[^`]*)`", text)
    for stem in ("gradient_norms", "clipping"):
        assert (out / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"![{stem}]({stem}.png)" in text
    decay = text.split("## Decay rate")[1].split("##")[0]
    assert [line.split("|")[1].strip() for line in decay.splitlines() if line.startswith("| ")][
        1:] == labels

    curves = pd.read_csv(out / "gradient_norms.csv")
    assert len(curves) == len(labels) * params.seeds * sum(params.steps)
    assert np.allclose(curves[curves.distance == 0].log10_ratio, 0.0)
    slopes = result.output.metrics
    # small recurrent weights vanish faster than leaky integrators with α = 0.9
    assert slopes["slope_per_100/Elman, W gain 0.5"] < slopes["slope_per_100/leaky α=0.9"]

    clip = pd.read_csv(out / "clipping.csv")
    c = params.clipping
    clipped = clip[clip.clipnorm != "none"].update_norm
    assert len(clipped) == c.train_steps * c.seeds
    assert clipped.max() <= c.learning_rate * c.global_clipnorm * 1.001

    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED" and run.data.tags["study"] == "gradients"
    assert "duration_s/study" in run.data.metrics
    logged = run.data.params  # the resolved params, flattened as a task's config is
    assert logged["seeds"] == str(params.seeds) and logged["steps"] == str(params.steps)
    assert logged["clipping.train_steps"] == str(c.train_steps)
    assert "Elman, W gain 2" in logged["cells"]
    artifacts = {a.path for a in client.list_artifacts(result.run_id, "results")}
    assert "results/README.md" in artifacts
