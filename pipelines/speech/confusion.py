"""Confusions by speaker: which classes each held-out voice is heard as, and the pairs
confused most often over all test clips.

A speaker's matrix counts its test clips by (true, predicted) class, rows true, as
`sklearn.metrics.confusion_matrix` does. With `data.split=speaker` each fold tests one
speaker, so its matrix is that fold's; with the official split it is the test clips of
that speaker. Clips of no known speaker (a folder without FSDD-style names, TFDS) are in
the overall matrix only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix

from pipelines.core import plots

MOST_CONFUSED = 10  # pairs in the summary
MAX_FIGURES = 12  # speaker figures drawn (the least accurate); the table has them all


def by_speaker(y_true, y_pred, speakers, k: int) -> dict[str, np.ndarray]:
    """`[k, k]` counts per known speaker (sorted by name)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    speakers = np.array([s or "" for s in speakers], dtype=object)
    return {s: confusion_matrix(y_true[speakers == s], y_pred[speakers == s],
                                labels=np.arange(k))
            for s in sorted(set(speakers) - {""})}


def accuracy(matrix: np.ndarray) -> float:
    return float(np.trace(matrix) / max(matrix.sum(), 1))


def most_confused(matrix: np.ndarray, labels, top: int = MOST_CONFUSED) -> list[dict]:
    """The `top` off-diagonal cells with any clips, most first (ties in label order):
    `{"true", "predicted", "count", "share"}`, share of the true class's clips."""
    matrix = np.asarray(matrix)
    cells = [(-int(matrix[i, j]), i, j) for i, j in np.argwhere(matrix > 0) if i != j]
    totals = matrix.sum(axis=1)
    return [{"true": labels[i], "predicted": labels[j], "count": -n,
             "share": -n / int(totals[i])} for n, i, j in sorted(cells)[:top]]


def table(matrices: dict[str, np.ndarray], labels) -> pd.DataFrame:
    """One row per (speaker, true class), one column of counts per predicted class."""
    rows = [{"speaker": s, "true": labels[i], **dict(zip(labels, m[i].tolist(), strict=True))}
            for s, m in matrices.items() for i in range(len(labels))]
    return pd.DataFrame(rows, columns=["speaker", "true", *labels]).set_index(["speaker", "true"])


def artifact(matrices: dict[str, np.ndarray], labels, pairs: list[dict]) -> dict:
    """The JSON artifact: labels, each speaker's counts and accuracy, the top pairs."""
    return {"labels": list(labels),
            "speakers": {s: {"clips": int(m.sum()), "accuracy": accuracy(m),
                             "counts": m.tolist()} for s, m in matrices.items()},
            "most_confused": pairs}


def figures(matrices: dict[str, np.ndarray], labels, held_out: bool) -> dict:
    """`confusion_speaker_<name>` figures of the `MAX_FIGURES` least accurate speakers."""
    worst = sorted(matrices, key=lambda s: (accuracy(matrices[s]), s))[:MAX_FIGURES]
    what = " (held out)" if held_out else ""
    return {f"confusion_speaker_{s}": plots.confusion_matrix(
                matrices[s], labels, f"{s}{what}: {int(matrices[s].sum())} test clips, "
                f"accuracy {accuracy(matrices[s]):.3f}")
            for s in sorted(worst)}


def markdown(matrices: dict[str, np.ndarray], pairs: list[dict]) -> str:
    """The summary's part: accuracy per speaker and the most confused pairs."""
    out = ""
    if matrices:
        out += "| speaker | test clips | model acc |\n|---|---:|---:|\n" + "".join(
            f"| {s} | {int(m.sum())} | {accuracy(m):.4f} |\n" for s, m in matrices.items())
        out += "\n"
    if not pairs:
        return out + "No test clip was confused.\n"
    return out + ("Most confused pairs over all test clips (true → predicted):\n\n"
                  "| true | predicted | clips | share of true |\n|---|---|---:|---:|\n") + "".join(
        f"| {p['true']} | {p['predicted']} | {p['count']} | {p['share']:.1%} |\n" for p in pairs)
