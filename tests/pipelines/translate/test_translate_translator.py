"""The Translator: <unk> copies the attended source token, bad lines never stop a batch,
and a saved translator reloads to give identical strings."""

import warnings

import numpy as np
import pytest

from pipelines.translate.text import UNK_ID, Codec, fit_vocabulary, tokenize
from pipelines.translate.translator import (
    TranslationWarning,
    Translator,
    replace_unknowns,
)
from rnnkit.models.decoding import Hypothesis
from rnnkit.models.seq2seq import build_seq2seq

SOURCE_TEXT = ["Tom is here.", "Where is Mary?", "I like cats.", "It's 10:30 now."]
TARGET_TEXT = ["Tom está aquí.", "¿Dónde está Mary?", "Me gustan los gatos.", "Son las 10:30."]


@pytest.fixture
def translator():
    codec = Codec(fit_vocabulary([tokenize(s) for s in SOURCE_TEXT], 40),
                  fit_vocabulary([tokenize(s) for s in TARGET_TEXT[1:]], 40), "en-es", 6, 8)
    model = build_seq2seq(len(codec.source), len(codec.target), embedding_dim=8,
                          encoder_units=6, decoder_units=10, attention_units=5)
    return Translator(model, codec, batch_size=3)


def test_unknown_words_copy_the_most_attended_source_token():
    attention = np.array([[0.1, 0.2, 0.7, 0.0],   # <unk> at step 0 attends to "Smith"
                          [0.6, 0.2, 0.2, 0.0],
                          [0.3, 0.6, 0.1, 0.0]])  # <unk> at step 2 attends to "42"
    words = replace_unknowns([UNK_ID, 7, UNK_ID], attention, ["Ms", "42", "Smith"],
                             ["<unk>", "tiene", "<unk>"])
    assert words == ["Smith", "tiene", "42"]


def test_translator_wires_unknown_replacement(translator, monkeypatch):
    tom = translator.codec.target.index["está"]

    def decode(ids, limits, beam):  # "<unk> está": the <unk> attends to source token 0
        return [Hypothesis([UNK_ID, tom], np.array([[0.9, 0.05, 0.05, 0, 0, 0, 0, 0],
                                                     [0.1, 0.8, 0.1, 0, 0, 0, 0, 0]]), -1.0)
                for _ in ids]

    monkeypatch.setattr(translator, "_decode", decode)
    out = translator.translate_detailed(["Zoltan is here."])[0]
    assert "Zoltan" not in translator.codec.source.index  # out of the vocabulary
    assert out.text == "Zoltan está" and out.tokens == ["Zoltan", "está"]
    assert out.attention.shape == (2, 4)  # cut to the real source tokens


def test_a_bad_line_never_stops_the_batch(translator):
    good = ["Tom is here.", "I like cats."]
    batch = [good[0], "", "Tom " * 30, "☃ Ω ≈ 𝄞 ✈", good[1], "   "]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = translator.translate(batch)
    notes = [str(w.message) for w in caught if w.category is TranslationWarning]
    assert len(out) == len(batch) and all(isinstance(t, str) for t in out)
    assert out[1] == "" and out[5] == ""
    assert any(n.startswith("Input 2 is empty") for n in notes)
    assert any(n.startswith("Input 3 has 30 tokens, more than the limit of 6") for n in notes)
    assert any(n.startswith("Input 6 is empty") for n in notes) and len(notes) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", TranslationWarning)  # the good lines warn nothing
        alone = translator.translate(good)
    assert [out[0], out[4]] == alone
    # a long line is cut to its first 6 tokens: it translates as those tokens do
    assert out[2] == translator.translate(["Tom " * 6])[0]


def test_saved_translator_reloads_with_identical_strings(translator, tmp_path):
    texts = SOURCE_TEXT + ["Mary likes Tom.", "Cats?"]
    folder = translator.save(tmp_path / "translator")
    assert {p.name for p in folder.iterdir()} == {"model.keras", "codec.json"}
    loaded = Translator.load(folder, batch_size=3)
    for beam in (1, 3):
        assert loaded.translate(texts, beam) == translator.translate(texts, beam)
