"""Confusions per speaker and the most confused pairs, against hand-counted matrices.

(A run reports them per held-out speaker in test_speech_pipeline.py: the speaker folds
on tiny wavs, the official split in the FSDD smoke run.)"""

import json

import numpy as np
import pytest

from pipelines.speech import confusion

LABELS = ["0", "1", "2"]
#                ann: 6 clips          bob: 4 clips   no speaker
Y_TRUE = np.array([0, 0, 1, 1, 2, 2] + [0, 1, 2, 2] + [1])
Y_PRED = np.array([0, 1, 1, 1, 2, 0] + [1, 1, 1, 2] + [0])
SPEAKERS = ["ann"] * 6 + ["bob"] * 4 + [None]
ANN = [[1, 1, 0],   # rows: true 0, 1, 2; columns: predicted 0, 1, 2
       [0, 2, 0],
       [1, 0, 1]]
BOB = [[0, 1, 0],
       [0, 1, 0],
       [0, 1, 1]]
ALL = [[1, 2, 0],   # ann + bob + the clip of no speaker (true 1, predicted 0)
       [1, 3, 0],
       [1, 1, 2]]


def test_each_speaker_gets_its_own_counts():
    matrices = confusion.by_speaker(Y_TRUE, Y_PRED, SPEAKERS, 3)
    assert list(matrices) == ["ann", "bob"]  # the clip of no speaker is in no matrix
    np.testing.assert_array_equal(matrices["ann"], ANN)
    np.testing.assert_array_equal(matrices["bob"], BOB)
    assert confusion.accuracy(matrices["ann"]) == pytest.approx(4 / 6)
    assert confusion.accuracy(matrices["bob"]) == pytest.approx(2 / 4)


def test_most_confused_pairs_most_clips_first_ties_in_label_order():
    pairs = confusion.most_confused(np.array(ALL), LABELS)
    assert [(p["true"], p["predicted"], p["count"]) for p in pairs] == [
        ("0", "1", 2), ("1", "0", 1), ("2", "0", 1), ("2", "1", 1)]
    assert [p["share"] for p in pairs] == pytest.approx([2 / 3, 1 / 4, 1 / 4, 1 / 4])
    assert len(confusion.most_confused(np.array(ALL), LABELS, top=2)) == 2
    assert confusion.most_confused(np.eye(3, dtype=int), LABELS) == []


def test_table_artifact_figures_and_summary(monkeypatch):
    matrices = confusion.by_speaker(Y_TRUE, Y_PRED, SPEAKERS, 3)
    pairs = confusion.most_confused(np.array(ALL), LABELS)
    table = confusion.table(matrices, LABELS)
    assert list(table.columns) == LABELS
    assert table.loc[("ann", "2")].tolist() == ANN[2]
    assert table.loc[("bob", "0")].tolist() == BOB[0]
    saved = json.loads(json.dumps(confusion.artifact(matrices, LABELS, pairs)))
    assert saved["speakers"]["bob"] == {"clips": 4, "accuracy": 0.5, "counts": BOB}
    assert saved["most_confused"][0] == {"true": "0", "predicted": "1", "count": 2,
                                         "share": pytest.approx(2 / 3)}
    assert set(confusion.figures(matrices, LABELS, held_out=True)) == {
        "confusion_speaker_ann", "confusion_speaker_bob"}
    monkeypatch.setattr(confusion, "MAX_FIGURES", 1)
    assert set(confusion.figures(matrices, LABELS, held_out=False)) == {
        "confusion_speaker_bob"}  # the least accurate
    text = confusion.markdown(matrices, pairs)
    assert "| ann | 6 | 0.6667 |" in text and "| bob | 4 | 0.5000 |" in text
    assert "| 0 | 1 | 2 | 66.7% |" in text and "| 2 | 1 | 1 | 25.0% |" in text
