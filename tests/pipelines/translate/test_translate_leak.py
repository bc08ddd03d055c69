"""The source leak, by hand: lower-case source words left in the output that no training
target holds."""

import pytest

from pipelines.translate.leak import known_words, leaked, source_leak

KNOWN = known_words(["Yo tengo mi propio negocio.", "¿Puedo ir?", "No, el hotel está aquí.",
                     "Él fue ascendido tres veces en un año."])


def test_known_words_are_the_lower_cased_words_of_the_targets():
    assert {"yo", "puedo", "él", "hotel", "no"} <= KNOWN
    assert "." not in KNOWN and "¿" not in KNOWN and "Yo" not in KNOWN


@pytest.mark.parametrize(("source", "output", "words"), [
    ("I run my own business.", "Yo run mi propio negocio.", ["run"]),
    ("Can I try?", "¿Puedo try?", ["try"]),
    ("Can I try?", "¿Puedo Try?", ["try"]),  # the output's case does not matter
    ("He was promoted three times in a year.", "Él fue promoted tres veces en un año.",
     ["promoted"]),
    ("Tom runs.", "Tom corre.", []),  # a copied name is no leak
    ("I have 3 cats.", "Tengo 3 gatos.", []),  # nor a number
    ("No, the hotel is here.", "No, el hotel está aquí.", []),  # Spanish words too
    ("Run to Try.", "Run a Try.", []),  # capitalised source words are names, not leaks
    ("I run.", "Yo corro.", []),
])
def test_leaked_words(source, output, words):
    assert leaked(source, output, KNOWN) == words


def test_source_leak_is_the_percentage_of_lines():
    sources = ["I run my own business.", "Can I try?", "Tom runs.", "I run."]
    outputs = ["Yo run mi propio negocio.", "¿Puedo ir?", "Tom corre.", "Yo corro."]
    assert source_leak(sources, outputs, KNOWN) == pytest.approx(25.0)
    assert source_leak(sources, sources, KNOWN) == pytest.approx(100.0)  # copying each
    assert source_leak([], [], KNOWN) == 0.0
