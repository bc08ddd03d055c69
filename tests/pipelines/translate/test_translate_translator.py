"""The Translator over both codecs: copies only numbers and names, bad lines never stop a
batch, and a saved translator reloads to give identical strings."""

import json
import warnings

import numpy as np
import pytest

from pipelines.translate.codec import UNK_ID, Codec, Encoded
from pipelines.translate.subwords import SubwordCodec
from pipelines.translate.text import WordCodec, fit_vocabulary, tokenize
from pipelines.translate.translator import TranslationWarning, Translator
from rnnkit.models.decoding import Hypothesis
from rnnkit.models.seq2seq import build_seq2seq

SOURCE_TEXT = ["Tom is here.", "Where is Mary?", "I like cats.", "It's 10:30 now.",
               "Mary likes Tom.", "Cats?", "I see Tom."]
TARGET_TEXT = ["Tom está aquí.", "¿Dónde está Mary?", "Me gustan los gatos.", "Son las 10:30.",
               "A Mary le gusta Tom.", "¿Gatos?", "Veo a Tom."]


def word_codec():
    return WordCodec(fit_vocabulary([tokenize(s) for s in SOURCE_TEXT], 40),
                     fit_vocabulary([tokenize(s) for s in TARGET_TEXT[1:]], 40), "en-es", 6, 8)


def subword_codec():
    return SubwordCodec.fit(SOURCE_TEXT, TARGET_TEXT, "en-es", source_vocab_size=60,
                            target_vocab_size=70, max_source_length=24, max_target_length=30)


def small_translator(codec):
    model = build_seq2seq(codec.source_size, codec.target_size, embedding_dim=8,
                          encoder_units=6, decoder_units=10, attention_units=5)
    return Translator(model, codec, batch_size=3)


@pytest.fixture(params=["word", "subword"])
def translator(request):
    return small_translator(word_codec() if request.param == "word" else subword_codec())


def test_word_unknowns_copy_the_attended_source_word_only_if_copyable():
    codec = word_codec()
    source = codec.encode_source("Here is Zoltan at 42 and run.")
    assert "Zoltan" not in codec.source.index and source.copies == ["Zoltan", "42"]

    def attending(*words):  # one attention row per output id, on that source word
        rows = np.zeros((len(words), len(source)))
        for t, word in enumerate(words):
            rows[t, source.pieces.index(word)] = 1
        return rows

    esta = codec.target.index["está"]
    text, words = codec.decode([UNK_ID, esta, UNK_ID], attending("Zoltan", "is", "42"), source)
    assert text == "Zoltan está 42" and words == ["Zoltan", "está", "42"]  # name, number
    text, words = codec.decode([UNK_ID, esta], attending("run", "is"), source)
    assert text == "está" and words == ["<unk>", "está"]  # a lower-case word: left out


def test_subword_copies_go_through_tags():
    codec = subword_codec()
    source = codec.encode_source("Where is Zoltan at 10:30?")
    assert source.copies == ["Zoltan", "10:30"] and "｟1｠" in source.pieces
    tagged = codec.copy_rule.tag_target("Zoltan está aquí a las 10:30.", source.copies)
    assert tagged == "｟1｠ está aquí a las ｟2｠."
    ids = codec.target.encode(tagged)
    text, pieces = codec.decode(ids, np.zeros((len(ids), len(source))), source)
    assert text == "Zoltan está aquí a las 10:30." and "Zoltan" in pieces
    three = codec.target.encode("｟3｠ está aquí.")  # no third copy: the tag is dropped
    assert codec.decode(three, np.zeros((len(three), 1)), source)[0] == "está aquí."


def test_translator_wires_the_codec(translator, monkeypatch):
    codec = translator.codec
    source = codec.encode_source("Here is Zoltan.")
    if isinstance(codec, WordCodec):  # no word "Zoltan": an <unk> attending to it
        ids, expected = [UNK_ID, codec.target.index["está"]], "Zoltan está"
        attended = source.pieces.index("Zoltan")
    else:  # the tag of the first copied word
        ids, expected = codec.encode_target("Zoltan está.", source.copies), "Zoltan está."
        attended = 0
    width = len(source) + 3  # the batch is padded: attention is cut to the source

    def decode(batch, limits, beam):
        attention = np.zeros((len(ids), width))
        attention[:, attended] = 1
        return [Hypothesis(list(ids), attention, -1.0) for _ in batch]

    monkeypatch.setattr(translator, "_decode", decode)
    out = translator.translate_detailed(["Here is Zoltan."])[0]
    assert out.text == expected and "Zoltan" in out.tokens
    assert out.source_tokens == source.pieces
    assert out.attention.shape == (len(ids), len(source))


def test_a_bad_line_never_stops_the_batch(translator):
    limit = translator.codec.max_source_length
    good = ["Tom is here.", "I like cats."]
    long = "Tom " * 30
    batch = [good[0], "", long, "☃ Ω ≈ 𝄞 ✈", good[1], "   "]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = translator.translate(batch)
    notes = [str(w.message) for w in caught if w.category is TranslationWarning]
    assert len(out) == len(batch) and all(isinstance(t, str) for t in out)
    assert out[1] == "" and out[5] == ""
    assert any(n.startswith("Input 2 is empty") for n in notes)
    n_long = len(translator.codec.encode_source(long))
    assert any(n.startswith(f"Input 3 has {n_long} tokens, more than the limit of {limit}")
               for n in notes)
    assert any(n.startswith("Input 6 is empty") for n in notes) and len(notes) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", TranslationWarning)  # the good lines warn nothing
        alone = translator.translate(good)
    assert [out[0], out[4]] == alone


def test_saved_translator_reloads_with_identical_strings(translator, tmp_path):
    texts = SOURCE_TEXT + ["Mary likes Zoltan.", "Cats?", "Tom has 3 cats."]
    folder = translator.save(tmp_path / "translator")
    assert {p.name for p in folder.iterdir()} == {"model.keras", "codec.json"}
    loaded = Translator.load(folder, batch_size=3)
    assert type(loaded.codec) is type(translator.codec)
    assert loaded.codec.to_dict() == translator.codec.to_dict()
    for beam in (1, 3):
        assert loaded.translate(texts, beam) == translator.translate(texts, beam)


# codec.json as rnnkit wrote it before subwords (commit 6cf24be, `Codec.save`)
OLD_CODEC = {
    "format": "rnnkit-translate-codec/1", "direction": "en-es", "max_source_length": 12,
    "max_target_length": 10,
    "source_tokens": ["<pad>", "<unk>", "<s>", "</s>", ".", "?", "Mary", "Tom", "is", "10:30",
                      "Cats", "I", "It's", "Where", "cats", "here", "like", "likes", "now"],
    "target_tokens": ["<pad>", "<unk>", "<s>", "</s>", ".", "?", "Mary", "Tom", "está", "¿",
                      "10:30", "A", "Dónde", "Gatos", "Me", "Son", "aquí", "gatos", "gusta",
                      "gustan", "las", "le", "los"]}


def test_a_translator_saved_before_subwords_loads_and_translates(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "codec.json").write_text(json.dumps(OLD_CODEC, ensure_ascii=False))
    codec = Codec.load(folder / "codec.json")
    assert isinstance(codec, WordCodec)
    assert codec.to_dict() == {k: v for k, v in OLD_CODEC.items() if k != "format"}
    assert {"Tom", "Mary"} <= codec.copy_rule.names  # never lower-case in the vocabulary
    build_seq2seq(codec.source_size, codec.target_size, embedding_dim=8, encoder_units=6,
                  decoder_units=10, attention_units=5).save(folder / "model.keras")
    texts = ["Tom is here.", "Where is Zoltan?", "It's 10:30 now."]
    loaded = Translator.load(folder, batch_size=3)
    out = loaded.translate(texts, beam=2)
    assert len(out) == 3 and all(isinstance(t, str) for t in out)
    assert all("is" not in t.split() for t in out)  # a lower-case source word is never copied


def test_an_unknown_codec_file_is_refused(tmp_path):
    path = tmp_path / "codec.json"
    path.write_text('{"format": "rnnkit-translate-codec/9"}')
    with pytest.raises(ValueError, match="Not a Codec file: format 'rnnkit-translate-codec/9'"):
        Codec.load(path)


def test_encoded_cut_keeps_the_copies():
    cut = Encoded([5, 6, 7], ["a", "b", "c"], ["Tom"]).cut(2)
    assert cut.ids == [5, 6] and cut.pieces == ["a", "b"] and cut.copies == ["Tom"]
