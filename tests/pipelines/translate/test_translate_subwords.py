"""Subword codec: SentencePiece round trips (case, accents, ¿ ¡ kept), fitted per language,
saved inside the codec JSON, loaded without TensorFlow or Keras."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.translate.codec import END_ID, PAD_ID, START_ID, UNK_ID, Codec
from pipelines.translate.subwords import SubwordCodec, SubwordModel

ROOT = Path(__file__).resolve().parents[3]
SPANISH = ["¿Dónde está la estación de tren?", "¡Hola, Tom!", "No sé qué decir...",
           'Él dijo "sí" y se fue.', "Son las 10:30, ¿verdad?", "Ésta es la niña pequeña.",
           "El pingüino come; la cigüeña, no.", "Mañana iré a Madrid con Mary."]
ENGLISH = ["Where is the train station?", "Hello, Tom!", "I don't know what to say...",
           'He said "yes" and left.', "It's 10:30, isn't it?", "This is the little girl.",
           "The penguin eats; the stork doesn't.", "Tomorrow I'll go to Madrid with Mary."]


@pytest.fixture(scope="module")
def codec():
    return SubwordCodec.fit(ENGLISH * 3, SPANISH * 3, "en-es", source_vocab_size=120,
                            target_vocab_size=140, model_type="unigram")


@pytest.mark.parametrize("model_type", ["unigram", "bpe"])
def test_sentencepiece_round_trip_keeps_case_accents_and_inverted_marks(model_type):
    model = SubwordModel.train(SPANISH * 3, 90, model_type)
    for sentence in SPANISH + ["Ésta no es la estación.", "está la niña", "Mañana: 3 cigüeñas."]:
        ids = model.encode(sentence)
        assert UNK_ID not in ids and model.decode(ids) == sentence
    assert model.pieces([PAD_ID, UNK_ID, START_ID, END_ID]) == ["<pad>", "<unk>", "<s>", "</s>"]
    assert len(model) <= 90


def test_each_language_has_its_own_model_and_targets_decode_exactly(codec):
    assert "▁¿" not in codec.source.pieces(range(codec.source_size))
    for english, spanish in zip(ENGLISH, SPANISH, strict=True):
        source = codec.encode_source(english)
        ids = codec.encode_target(spanish, source.copies)
        assert codec.decode(ids, None, source)[0] == spanish


def test_codec_json_round_trip_encodes_identically(codec, tmp_path):
    path = codec.save(tmp_path / "codec.json")
    loaded = Codec.load(path)
    assert isinstance(loaded, SubwordCodec) and loaded.to_dict() == codec.to_dict()
    for english in ENGLISH + ["Zoltan met Mary in 1999."]:
        assert loaded.encode_source(english) == codec.encode_source(english)


def test_the_codec_loads_without_tensorflow_or_keras(codec, tmp_path):
    path = codec.save(tmp_path / "codec.json")
    script = (
        "import sys\n"
        "from pipelines.translate.codec import Codec\n"
        f"codec = Codec.load({str(path)!r})\n"
        "source = codec.encode_source('Hello, Tom!')\n"
        "print(codec.decode(codec.encode_target('¡Hola, Tom!', source.copies), None, source)[0])\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'jax') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["¡Hola, Tom!", "[]"]
