"""Figures of a translate run: attention heatmaps, training curves."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def attention_heatmap(source_tokens, target_tokens, weights, title=""):
    """Source (columns) x target (rows) tokens, each cell the weight a_tj."""
    weights = np.asarray(weights)
    rows, cols = max(1, len(target_tokens)), max(1, len(source_tokens))
    fig, ax = plt.subplots(figsize=(1.6 + 0.45 * cols, 1.4 + 0.4 * rows))
    image = ax.imshow(weights.reshape(len(target_tokens), len(source_tokens)), cmap="viridis",
                      vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(source_tokens)), source_tokens, rotation=60, ha="right")
    ax.set_yticks(range(len(target_tokens)), target_tokens)
    ax.set_xlabel("source")
    ax.set_ylabel("translation")
    if title:
        ax.set_title(title, fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.046, label="attention")
    fig.tight_layout()
    return fig
