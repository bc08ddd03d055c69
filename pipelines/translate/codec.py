"""What turns sentences into model ids and back, whichever the tokens (saved as JSON).

Two kinds share one interface, so the `Translator`, featurize and serving never ask
which they hold:

```
encode_source(text)         -> Encoded(ids, pieces, copies)   (pieces: heatmap labels)
encode_target(text, copies) -> ids                             (training targets)
decode(ids, attention, src) -> (text, pieces)                  (copies written back)
```
- `pipelines.translate.subwords.SubwordCodec` (the default): SentencePiece models of
  each language, copy tags for numbers and names (`pipelines.translate.copying`).
- `pipelines.translate.text.WordCodec`: word vocabularies, as models saved before
  subwords; a target ``<unk>`` copies the source word it attends to most, only if that
  word is copyable.

Both reserve ids ``<pad>`` 0, ``<unk>`` 1, ``<s>`` 2, ``</s>`` 3. `Codec.load` reads
either file by its ``format`` tag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.core.state import JsonState

PAD, UNK, START, END = "<pad>", "<unk>", "<s>", "</s>"
PAD_ID, UNK_ID, START_ID, END_ID = 0, 1, 2, 3
SPECIALS = (PAD, UNK, START, END)


@dataclass
class Encoded:
    """A source sentence for the model: its ids, the pieces they stand for, and the
    source words the translation may copy."""

    ids: list[int]
    pieces: list[str]
    copies: list[str] = field(default_factory=list)

    def __len__(self):
        return len(self.ids)

    def cut(self, limit: int) -> Encoded:
        return Encoded(self.ids[:limit], self.pieces[:limit], self.copies)


class Codec(JsonState):
    """The interface of the module doc; subclasses are dataclasses with ``direction``,
    ``max_source_length`` (a longer source is cut, with a warning) and
    ``max_target_length`` (the longest training target, in ids)."""

    direction: str
    max_source_length: int
    max_target_length: int

    @property
    def source_size(self) -> int:
        raise NotImplementedError

    @property
    def target_size(self) -> int:
        raise NotImplementedError

    def encode_source(self, text: str) -> Encoded:
        raise NotImplementedError

    def encode_target(self, text: str, copies: list[str]) -> list[int]:
        raise NotImplementedError

    def decode(self, ids, attention, source: Encoded) -> tuple[str, list[str]]:
        raise NotImplementedError

    def output_limit(self, source_tokens: int) -> int:
        """Decoding stops after ``min(max_target_length, 2 * source ids + 10)`` ids."""
        return max(1, min(self.max_target_length, 2 * source_tokens + 10))

    @classmethod
    def load(cls, path: str | Path) -> Codec:
        """The codec saved at ``path``: of this class, or of the kind its format names
        when called on `Codec` itself."""
        if cls is not Codec:
            return super().load(path)
        from pipelines.translate.subwords import SubwordCodec
        from pipelines.translate.text import WordCodec

        data = json.loads(Path(path).read_text(encoding="utf-8"))
        kinds = {kind.FORMAT: kind for kind in (WordCodec, SubwordCodec)}
        kind = kinds.get(data.get("format"))
        if kind is None:
            raise ValueError(f"Not a Codec file: format {data.get('format')!r}, expected "
                             f"one of {sorted(kinds)}.")
        return kind.from_dict({k: v for k, v in data.items() if k != "format"})
