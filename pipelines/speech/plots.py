"""Figures of a speech run: confusion matrix, training curves."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def confusion_matrix(matrix: np.ndarray, labels: list[str], title: str):
    """Counts with row-normalised colour (recall per true class)."""
    rates = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = max(4.0, 0.45 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, labels, rotation=90 if len(labels) > 12 else 0)
    ax.set_yticks(ticks, labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    if len(labels) <= 20:
        for (r, c), n in np.ndenumerate(matrix):
            if n:
                ax.text(c, r, str(n), ha="center", va="center", fontsize=7,
                        color="white" if rates[r, c] > 0.5 else "black")
    fig.tight_layout()
    return fig


def training_curves(histories: dict[str, dict[str, list[float]]]):
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, history in histories.items():
        for key, style in (("loss", "-"), ("val_loss", "--")):
            if key in history:
                ax.plot(np.arange(1, len(history[key]) + 1), history[key], style,
                        label=f"{name} {key}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
