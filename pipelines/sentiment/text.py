"""Text to token ids in plain Python: the tokenizer and vocabulary, saved as JSON.

No TensorFlow here (DESIGN.md, "Backends and devices"): the same object runs under
every Keras backend, and inside the logged MLflow model.

```
clean(text)     = NFKC, "<br />" -> " ", lower-case
tokens(text)    = regex words (letters/digits, inner apostrophes) and "!" "?"
encode(text)    = [vocab.get(w, UNK) for w in tokens], cut to max_length keeping
                  the first head_fraction * max_length ids and the last rest
```
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from pipelines.core.state import JsonState
from pipelines.core.vocabulary import Vocabulary

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1
_BREAKS = re.compile(r"<br\s*/?>", re.IGNORECASE)
_WORDS = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[!?]")


def clean(text: str) -> str:
    """HTML line breaks to spaces, Unicode NFKC, lower-case."""
    return unicodedata.normalize("NFKC", _BREAKS.sub(" ", text)).lower()


def tokenize(text: str) -> list[str]:
    """The word tokens of ``text`` after ``clean``."""
    return _WORDS.findall(clean(text))


def truncate(ids: list[int], max_length: int, head_fraction: float) -> list[int]:
    """Keep the first ``head`` and the last ``max_length - head`` ids of a long list."""
    if len(ids) <= max_length:
        return ids
    head = round(max_length * head_fraction)
    tail = max_length - head
    return ids[:head] + (ids[-tail:] if tail else [])


@dataclass
class TextEncoder(JsonState):
    """Vocabulary (``<pad>`` = 0, ``<unk>`` = 1, then words by falling count) + settings.

    Args:
        tokens: The vocabulary, index = token id.
        max_length: Longest encoded text.
        head_fraction: Share of ``max_length`` kept from a long text's start.
        labels: Class names, index = class id.
    """

    FORMAT: ClassVar[str] = "rnnkit-sentiment-text/1"

    tokens: list[str]
    max_length: int
    head_fraction: float = 0.5
    labels: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.vocabulary = Vocabulary(self.tokens, UNK_ID)

    @classmethod
    def fit(cls, texts: Iterable[str], vocab_size: int, min_count: int = 1,
            max_length: int = 400, head_fraction: float = 0.5,
            labels: Sequence[str] = ()) -> TextEncoder:
        """Count words over ``texts`` (the training split only) and keep the most common."""
        vocabulary = Vocabulary.fit((tokenize(t) for t in texts), vocab_size, (PAD, UNK),
                                    min_count, unk=UNK)
        return cls(vocabulary.tokens, max_length, head_fraction, list(labels))

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def encode_one(self, text: str) -> np.ndarray:
        ids = self.vocabulary.ids(tokenize(text))
        return np.asarray(truncate(ids, self.max_length, self.head_fraction), dtype="int32")

    def words(self, text: str) -> list[str]:
        """The words `encode_one` encodes, one per id (after the same cut)."""
        return truncate(tokenize(text), self.max_length, self.head_fraction)

    def encode(self, texts: Iterable[str]) -> list[np.ndarray]:
        """One int32 array per text (ragged: batches pad them)."""
        return [self.encode_one(t) for t in texts]

    def to_dict(self) -> dict:
        return {"max_length": self.max_length, "head_fraction": self.head_fraction,
                "labels": self.labels, "tokens": self.tokens}

    @classmethod
    def from_dict(cls, data: dict) -> TextEncoder:
        return cls(list(data["tokens"]), int(data["max_length"]),
                   float(data["head_fraction"]), list(data["labels"]))
