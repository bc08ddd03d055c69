"""Sentences to tokens and back, and the vocabularies, in plain Python (saved as JSON).

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
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PAD, UNK, START, END = "<pad>", "<unk>", "<s>", "</s>"
PAD_ID, UNK_ID, START_ID, END_ID = 0, 1, 2, 3
SPECIALS = (PAD, UNK, START, END)
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


@dataclass
class Vocabulary:
    """Tokens by id: ``<pad>`` 0, ``<unk>`` 1, ``<s>`` 2, ``</s>`` 3, then by falling count."""

    tokens: list[str]

    def __post_init__(self):
        self.index = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def fit(cls, sentences: Iterable[list[str]], max_size: int, min_count: int = 1):
        """Count tokens over tokenized ``sentences`` (training split only), keep the top."""
        counts = Counter()
        for tokens in sentences:
            counts.update(tokens)
        # ties broken alphabetically, so the vocabulary does not depend on sentence order
        ranked = sorted((t for t, c in counts.items() if c >= min_count and t not in SPECIALS),
                        key=lambda t: (-counts[t], t))
        return cls([*SPECIALS, *ranked[: max(0, max_size - len(SPECIALS))]])

    def __len__(self):
        return len(self.tokens)

    def ids(self, tokens: Iterable[str]) -> list[int]:
        get = self.index.get
        return [get(t, UNK_ID) for t in tokens]

    def words(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[int(i)] for i in ids]


FORMAT = "rnnkit-translate-codec/1"


@dataclass
class Codec:
    """Both vocabularies and the length limits: what turns sentences into model ids.

    Args:
        source, target: The vocabularies (fitted on the training split).
        direction: e.g. ``en-es``.
        max_source_length: Source sentences are cut to this many tokens (with a warning
            at translation time).
        max_target_length: Longest target in training; decoding stops at
            ``min(max_target_length, 2 * source tokens + 10)`` tokens.
    """

    source: Vocabulary
    target: Vocabulary
    direction: str
    max_source_length: int
    max_target_length: int

    def output_limit(self, source_tokens: int) -> int:
        return max(1, min(self.max_target_length, 2 * source_tokens + 10))

    def to_dict(self) -> dict:
        return {"format": FORMAT, "direction": self.direction,
                "max_source_length": self.max_source_length,
                "max_target_length": self.max_target_length,
                "source_tokens": self.source.tokens, "target_tokens": self.target.tokens}

    @classmethod
    def from_dict(cls, data: dict) -> Codec:
        if data.get("format") != FORMAT:
            raise ValueError(f"Not a translation codec (format {data.get('format')!r}).")
        return cls(Vocabulary(list(data["source_tokens"])),
                   Vocabulary(list(data["target_tokens"])), str(data["direction"]),
                   int(data["max_source_length"]), int(data["max_target_length"]))

    def save(self, path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path) -> Codec:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
