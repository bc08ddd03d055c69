"""The shared figures: confusion matrix counts and labels, training curves per history."""

from pipelines.core.plots import confusion_counts, confusion_matrix, training_curves


def test_confusion_matrix_counts_and_row_shares():
    counts = confusion_counts([0, 1, 1], [0, 1, 0], 2)
    assert counts.tolist() == [[1, 0], [1, 1]]
    fig = confusion_matrix(counts, ["negative", "positive"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["1\n100%", "0\n0%", "1\n50%", "1\n50%"]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["negative", "positive"]


def test_training_curves_one_panel_per_metric_and_a_line_per_history():
    one = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8]}
    fig = training_curves(one, ("loss", "accuracy"))
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert [line.get_label() for line in fig.axes[0].lines] == ["train", "val"]
    folds = training_curves({"alice": {"loss": [1.0]}, "bob": {"loss": [2.0]}})
    assert [line.get_label() for line in folds.axes[0].lines] == ["alice train", "bob train"]
