"""Text to token ids in plain Python: the tokenizer and vocabulary, saved as JSON.

No TensorFlow here (DESIGN.md, "Backends and devices"): the same object runs under
every Keras backend, and inside the logged MLflow model.

```
clean(text)     = NFKC, "<br />" -> " ", lower-case
tokens(text)    = regex words (letters/digits, inner apostrophes) and "!" "?"
encode(text)    = [vocab.get(w, UNK) for w in tokens], cut to max_length keeping
                  the first head_fraction * max_length ids and the last rest
bag(text)       = the hashed 1 … ngram_order-grams of all its tokens (`ngrams.ngram_ids`;
                  with ngram_buckets > 0: the input of the classifier's n-gram channel)
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
from pipelines.sentiment.ngrams import ngram_ids

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
        ngram_order: Longest n-gram of `bag` (0: no bag).
        ngram_buckets: Hash buckets of `bag`'s ids (0: no bag).
    """

    FORMAT: ClassVar[str] = "rnnkit-sentiment-text/1"

    tokens: list[str]
    max_length: int
    head_fraction: float = 0.5
    labels: list[str] = field(default_factory=list)
    ngram_order: int = 0
    ngram_buckets: int = 0

    def __post_init__(self):
        self.vocabulary = Vocabulary(self.tokens, UNK_ID)

    @classmethod
    def fit(cls, texts: Iterable[str], vocab_size: int, min_count: int = 1,
            max_length: int = 400, head_fraction: float = 0.5,
            labels: Sequence[str] = (), ngram_order: int = 0,
            ngram_buckets: int = 0) -> TextEncoder:
        """Count words over ``texts`` (the training split only) and keep the most common."""
        vocabulary = Vocabulary.fit((tokenize(t) for t in texts), vocab_size, (PAD, UNK),
                                    min_count, unk=UNK)
        return cls(vocabulary.tokens, max_length, head_fraction, list(labels),
                   ngram_order if ngram_buckets else 0, ngram_buckets if ngram_order else 0)

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

    @property
    def has_bag(self) -> bool:
        return bool(self.ngram_order and self.ngram_buckets)

    def bag_of_words(self, words: Sequence[str]) -> np.ndarray:
        """The n-gram ids of a token list (all of it: the bag is not cut)."""
        return ngram_ids(words, self.ngram_order, self.ngram_buckets)

    def bags(self, texts: Iterable[str]) -> list[np.ndarray] | None:
        """The n-gram bag of each text, or None when the encoder makes no bags."""
        if not self.has_bag:
            return None
        return [self.bag_of_words(tokenize(t)) for t in texts]

    def to_dict(self) -> dict:
        return {"max_length": self.max_length, "head_fraction": self.head_fraction,
                "labels": self.labels, "ngram_order": self.ngram_order,
                "ngram_buckets": self.ngram_buckets, "tokens": self.tokens}

    @classmethod
    def from_dict(cls, data: dict) -> TextEncoder:
        return cls(list(data["tokens"]), int(data["max_length"]),
                   float(data["head_fraction"]), list(data["labels"]),
                   int(data.get("ngram_order", 0)), int(data.get("ngram_buckets", 0)))
