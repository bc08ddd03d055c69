"""The figures every task draws: training curves and a confusion matrix.

Task-specific figures (forecast against actual, attention heatmaps) stay in the task's
own ``plots.py``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def training_curves(histories: Mapping[str, Mapping[str, Sequence[float]]] | Mapping,
                    metrics: Sequence[str] = ("loss",), ylabel: str = "loss",
                    log_scale: bool = False):
    """Train (solid) and validation (dashed) curves per epoch, one panel per metric.

    ``histories`` is one Keras ``history`` dict, or several by name (e.g. one per
    speaker fold), each drawn in its own colour.
    """
    if histories and all(isinstance(v, Sequence) for v in histories.values()):
        histories = {"": histories}  # a single history
    panels = [m for m in metrics if any(m in h for h in histories.values())] or list(metrics)
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], panels, strict=True):
        for name, history in histories.items():
            for prefix, style in (("", "-"), ("val_", "--")):
                values = history.get(prefix + metric)
                if values:
                    label = " ".join(filter(None, [name, prefix.rstrip("_") or "train"]))
                    ax.plot(np.arange(1, len(values) + 1), values, style, marker="o",
                            markersize=3, label=label)
        ax.set_xlabel("epoch")
        # a long label wraps instead of running off the panel's height
        ax.set_ylabel(textwrap.fill(ylabel if metric == "loss" else metric, 32))
        ax.set_title(metric)
        if log_scale:
            ax.set_yscale("log")
        ax.legend(fontsize=7 if len(histories) > 2 else 9)
    fig.tight_layout()
    return fig


def confusion_matrix(counts: np.ndarray, names: Sequence[str],
                     title: str = "Test confusion matrix"):
    """Counts of (true, predicted) classes, coloured by the share of the true class
    (recall per row); cells annotated with count and share when there are few classes."""
    counts = np.asarray(counts)
    k = len(names)
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    size = max(4.0, 1.2 + 0.6 * k)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    if k <= 20:
        for (i, j), n in np.ndenumerate(counts):
            text = f"{n}\n{share[i, j]:.0%}" if k <= 6 else (str(n) if n else "")
            ax.text(j, i, text, ha="center", va="center", fontsize=9 if k <= 6 else 7,
                    color="white" if share[i, j] > 0.5 else "black")
    ax.set_xticks(range(k), names, rotation=45 if 3 < k <= 12 else (90 if k > 12 else 0))
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.046, label="share of true class")
    fig.tight_layout()
    return fig


def confusion_counts(labels, predicted, k: int) -> np.ndarray:
    """The ``[k, k]`` counts of (true, predicted) class ids."""
    counts = np.zeros((k, k), dtype="int64")
    np.add.at(counts, (np.asarray(labels), np.asarray(predicted)), 1)
    return counts
