"""Word tokenizer, detokenizer, vocabularies and the word codec: case and accents kept,
¿ ¡ as tokens."""

import pytest

from pipelines.translate.codec import END_ID, PAD_ID, START_ID, UNK_ID, Codec
from pipelines.translate.text import (
    WordCodec,
    detokenize,
    fit_vocabulary,
    normalize,
    tokenize,
)


def test_tokenize_keeps_case_accents_and_inverted_marks():
    assert tokenize("¿Dónde está la estación?") == ["¿", "Dónde", "está", "la", "estación", "?"]
    assert tokenize("¡Tom, ven aquí!") == ["¡", "Tom", ",", "ven", "aquí", "!"]
    assert tokenize("I don't know, it's 3.5 km.") == ["I", "don't", "know", ",", "it's",
                                                      "3.5", "km", "."]
    assert tokenize('He said "no".') == ["He", "said", '"', "no", '"', "."]


def test_normalize_is_nfc_and_collapses_spaces():
    decomposed = "Esta\u0301 bien.\t "  # "Está" with a combining accent
    assert normalize(decomposed) == "Está bien."
    assert tokenize(decomposed) == ["Está", "bien", "."]


@pytest.mark.parametrize("sentence", [
    "¿Dónde está la estación de tren?", "¡Hola, Tom!", "No sé qué decir...",
    'Él dijo "sí" y se fue.', "Son las 10:30, ¿verdad?", "I can't swim (yet).",
    "Estoy bien; gracias: de verdad.",
])
def test_detokenize_inverts_tokenize(sentence):
    assert detokenize(tokenize(sentence)) == sentence


def test_vocabulary_orders_by_count_then_alphabet_and_maps_unknowns():
    vocab = fit_vocabulary([["b", "a", "b"], ["c", "a", "b"], ["d"]], max_size=6)
    assert vocab.tokens == ["<pad>", "<unk>", "<s>", "</s>", "b", "a"]
    assert (PAD_ID, UNK_ID, START_ID, END_ID) == (0, 1, 2, 3)
    assert vocab.ids(["a", "zzz", "b"]) == [5, UNK_ID, 4]
    assert vocab.words([4, 5]) == ["b", "a"]
    assert fit_vocabulary([["a", "b", "b"]], max_size=10, min_count=2).tokens[4:] == ["b"]


def test_codec_json_round_trip(tmp_path):
    codec = WordCodec(fit_vocabulary([["Hi", "."]], 10), fit_vocabulary([["Hola", "."]], 10),
                      "en-es", 40, 12)
    loaded = Codec.load(codec.save(tmp_path / "codec.json"))  # the kind its format names
    assert isinstance(loaded, WordCodec) and loaded.to_dict() == codec.to_dict()
    assert loaded.target.ids(["Hola"]) == codec.target.ids(["Hola"])
    assert codec.output_limit(1) == 12 and codec.output_limit(0) == 10
    other = tmp_path / "other.json"
    other.write_text('{"format": "rnnkit-sentiment-text/1", "tokens": []}')
    with pytest.raises(ValueError, match="Not a Codec file.*rnnkit-sentiment-text/1"):
        Codec.load(other)
