"""Sentences to words and back, and the word codec, in plain Python (saved as JSON).

No TensorFlow here (DESIGN.md, "Backends and devices"): the same objects run under
every Keras backend and inside the logged MLflow model.

```
normalize(s)   = Unicode NFC, whitespace runs -> one space, stripped; case KEPT
tokenize(s)    = numbers (3.5, 1,000, 10:30) | words (accents kept, inner ' and -)
                 | any other single character (. , ! ? ¿ ¡ " ...), each its own token
detokenize(ts) = tokens joined by spaces, then no space before closing punctuation
                 (. , ! ? ; : ) » …) nor after opening punctuation (¿ ¡ ( « ), and
                 straight double quotes attached inside their pair
```
`WordCodec` is the codec of models saved before subwords (`pipelines.translate.codec`):
word vocabularies, and a target ``<unk>`` replaced by the source word it attends to
most when that word is copyable (a number or a name, `pipelines.translate.copying`),
else dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from pipelines.core.vocabulary import Vocabulary
from pipelines.translate.codec import SPECIALS, UNK, UNK_ID, Codec, Encoded
from pipelines.translate.copying import CopyRule, is_capitalised

_TOKENS = re.compile(r"\d+(?:[.,:]\d+)*|[^\W_]+(?:['’\-][^\W_]+)*|\S")
_SPACES = re.compile(r"\s+")
_NO_SPACE_BEFORE = set(".,!?;:)]}»…%")
_NO_SPACE_AFTER = set("¿¡([{«")


def normalize(text: str) -> str:
    """NFC, collapsed whitespace, stripped; case and accents kept."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def tokenize(text: str) -> list[str]:
    """The tokens of ``normalize(text)``: punctuation split off, ``¿`` ``¡`` kept."""
    return _TOKENS.findall(normalize(text))


def detokenize(tokens: Iterable[str]) -> str:
    """Join tokens into a sentence as a person writes it (see the module doc)."""
    out = ""
    attach_next = True  # no space before the first token
    quotes_open = False
    for token in tokens:
        if token == '"':
            if quotes_open:
                out += token
                attach_next = False
            else:
                out += ("" if attach_next else " ") + token
                attach_next = True
            quotes_open = not quotes_open
            continue
        if not (attach_next or token in _NO_SPACE_BEFORE):
            out += " "
        out += token
        attach_next = token in _NO_SPACE_AFTER
    return out


def fit_vocabulary(sentences: Iterable[list[str]], max_size: int,
                   min_count: int = 1) -> Vocabulary:
    """Tokens by id: ``<pad>`` 0, ``<unk>`` 1, ``<s>`` 2, ``</s>`` 3, then by falling count
    over the tokenized ``sentences`` (the training split only)."""
    return Vocabulary.fit(sentences, max_size, SPECIALS, min_count, unk=UNK)


@dataclass
class WordCodec(Codec):
    """Both word vocabularies and the length limits (`pipelines.translate.codec`).

    Args:
        source, target: The vocabularies (fitted on the training split).
        direction: e.g. ``en-es``.
        max_source_length: Source sentences are cut to this many tokens (with a warning
            at translation time).
        max_target_length: Longest target in training, in tokens.
    """

    FORMAT: ClassVar[str] = "rnnkit-translate-codec/1"

    source: Vocabulary
    target: Vocabulary
    direction: str
    max_source_length: int
    max_target_length: int

    def __post_init__(self):
        # names: capitalised source words whose lower-case form is not in the vocabulary
        words = self.source.index
        self.copy_rule = CopyRule(frozenset(t for t in words if is_capitalised(t)
                                            and t.lower() not in words))

    @property
    def source_size(self) -> int:
        return len(self.source)

    @property
    def target_size(self) -> int:
        return len(self.target)

    def encode_source(self, text: str) -> Encoded:
        tokens = tokenize(text)
        return Encoded(self.source.ids(tokens), tokens, self.copy_rule.copies(normalize(text)))

    def encode_target(self, text: str, copies: list[str]) -> list[int]:
        return self.target.ids(tokenize(text))

    def decode(self, ids, attention, source: Encoded) -> tuple[str, list[str]]:
        """Words of ``ids``, each ``<unk>`` replaced by the source token it attends to
        most if that token is copyable (else left out of the text)."""
        words = self.target.words(ids)
        for t, i in enumerate(ids):
            if i == UNK_ID and source.pieces:
                attended = source.pieces[int(np.argmax(attention[t, : len(source.pieces)]))]
                if attended in source.copies:
                    words[t] = attended
        return detokenize(w for w in words if w != UNK), words

    def to_dict(self) -> dict:
        return {"direction": self.direction, "max_source_length": self.max_source_length,
                "max_target_length": self.max_target_length,
                "source_tokens": self.source.tokens, "target_tokens": self.target.tokens}

    @classmethod
    def from_dict(cls, data: dict) -> WordCodec:
        return cls(Vocabulary(list(data["source_tokens"]), UNK_ID),
                   Vocabulary(list(data["target_tokens"]), UNK_ID), str(data["direction"]),
                   int(data["max_source_length"]), int(data["max_target_length"]))
