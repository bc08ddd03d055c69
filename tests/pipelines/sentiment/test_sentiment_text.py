"""The tokenizer and vocabulary: cleaning, truncation, train-only fit, JSON round trip."""

import numpy as np
import pandas as pd
import pytest

from pipelines.core.mapped import is_mapped
from pipelines.core.types import Provenance
from pipelines.sentiment.featurize import carve_validation, featurize
from pipelines.sentiment.ingest import SentimentRaw
from pipelines.sentiment.text import PAD_ID, UNK_ID, TextEncoder, clean, tokenize, truncate


def test_clean_strips_html_breaks_normalises_and_lowercases():
    assert clean("Great<br /><br />FILM<br/>ok") == "great  film ok"
    assert clean("ﬁne Ｆｉｌｍ") == "fine film"  # NFKC: ligature, full-width letters


def test_tokenize_keeps_words_apostrophes_and_exclamations():
    assert tokenize("It's NOT bad...<br />Really!? 10/10") == [
        "it's", "not", "bad", "really", "!", "?", "10", "10"]
    assert tokenize("Café déjà-vu") == ["café", "déjà", "vu"]


def test_truncate_keeps_start_and_end():
    ids = list(range(10))
    assert truncate(ids, 4, 0.5) == [0, 1, 8, 9]
    assert truncate(ids, 4, 1.0) == [0, 1, 2, 3]
    assert truncate(ids, 4, 0.0) == [6, 7, 8, 9]
    assert truncate(ids[:3], 4, 0.5) == [0, 1, 2]


def test_vocabulary_order_special_ids_and_limits():
    enc = TextEncoder.fit(["b a a c", "a b d"], vocab_size=4, min_count=1, max_length=8)
    assert enc.tokens == ["<pad>", "<unk>", "a", "b"]  # by count; ties alphabetical
    assert (PAD_ID, UNK_ID) == (0, 1)
    np.testing.assert_array_equal(enc.encode_one("A b zebra"), [2, 3, UNK_ID])
    rare = TextEncoder.fit(["a a b"], vocab_size=100, min_count=2, max_length=8)
    assert rare.tokens == ["<pad>", "<unk>", "a"]


def test_json_round_trip_encodes_identically(tmp_path):
    enc = TextEncoder.fit(["good film", "bad film", "good"], 10, 1, 3, 0.5, ["neg", "pos"])
    path = enc.save(tmp_path / "text_encoder.json")
    back = TextEncoder.load(path)
    assert back.to_dict() == enc.to_dict() and back.labels == ["neg", "pos"]
    texts = ["Good film, GOOD!", "unknown words only", "film film film film film"]
    for a, b in zip(back.encode(texts), enc.encode(texts), strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(back.encode_one("film film film film film")) == 3
    path.write_text('{"tokens": []}')  # no format tag: not a text encoder
    with pytest.raises(ValueError, match="Not a TextEncoder file: format None"):
        TextEncoder.load(path)


def test_vocabulary_is_fitted_on_training_texts_only(make_cfg):
    frame = pd.DataFrame({
        "text": ["good movie", "bad movie", "good fun", "bad plot", "xylophone movie"],
        "label": [1, 0, 1, 0, 1],
        "split": ["train", "train", "train", "train", "test"],
    })
    raw = SentimentRaw(frame, ["neg", "pos"], Provenance("toy"), "toy")
    cfg = make_cfg(featurize={"min_count": 1, "val_fraction": 0.5})
    features = featurize(cfg, raw)
    vocab = set(features.encoder.tokens)
    assert "xylophone" not in vocab
    val_words = {w for t in features.splits["val"].texts for w in t.split()}
    train_words = {w for t in features.splits["train"].texts for w in t.split()}
    assert vocab - {"<pad>", "<unk>"} == train_words  # validation texts unseen too
    assert not (val_words - train_words) & vocab
    assert features.splits["test"].ids[0][0] == UNK_ID
    assert sorted(map(len, features.splits.values())) == [1, 2, 2]
    for split in features.splits.values():  # ids written once, memory-mapped
        assert is_mapped(split.ids.values) and len(split.ids) == len(split.texts)
        assert [ids.tolist() for ids in split.ids] == [
            features.encoder.encode_one(t).tolist() for t in split.texts]
    assert features.stats["vectorize_texts_per_s"] > 0


def test_validation_carve_is_stratified_and_seeded():
    labels = np.array([0] * 80 + [1] * 20)
    mask = carve_validation(labels, 0.1, seed=3)
    assert mask[labels == 0].sum() == 8 and mask[labels == 1].sum() == 2
    np.testing.assert_array_equal(mask, carve_validation(labels, 0.1, seed=3))
