"""Subword codec: a SentencePiece model per language, and copy tags for numbers and names.

```
source ids = SentencePiece_src(tag_source(normalize(x)))     "Tom｟1｠ is here."
target ids = SentencePiece_tgt(tag_target(normalize(y)))     "｟1｠ está aquí."
text       = untag(SentencePiece_tgt⁻¹(ids without <unk>))   "Tom está aquí."
```
Each model (unigram or BPE, `sentencepiece`) is trained on its side of the training
split only, cased, with the identity normalization (our `normalize` is NFC already),
digits split (a number is spelled digit by digit when it is not copied), every
character of the training text kept (coverage 1.0), ids ``<pad>`` 0, ``<unk>`` 1,
``<s>`` 2, ``</s>`` 3, and the copy tags ``｟1｠`` ... as atomic pieces
(`pipelines.translate.copying`). Decoding is lossless for text made of characters seen
in training. An ``<unk>`` (a character never seen in a training target) is left out: a
word worth copying has its tag.

Plain Python, no TensorFlow: the serialized model proto is kept base64-encoded inside
the codec's JSON, so the translator stays two files (``model.keras`` + ``codec.json``)
and the MLflow model needs no new kind of artifact.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

import sentencepiece

from pipelines.translate.codec import END_ID, PAD_ID, START_ID, UNK_ID, Codec, Encoded
from pipelines.translate.copying import CopyRule, tag
from pipelines.translate.text import normalize

MODEL_TYPES = ("unigram", "bpe")


class SubwordModel:
    """A trained SentencePiece model: ``encode`` text to ids, ``decode`` ids to text.

    Args:
        proto: The serialized model (``ModelProto`` bytes).
    """

    def __init__(self, proto: bytes):
        self.proto = bytes(proto)
        self.processor = sentencepiece.SentencePieceProcessor(model_proto=self.proto)

    @classmethod
    def train(cls, sentences: Iterable[str], vocab_size: int, model_type: str = "unigram",
              symbols: Iterable[str] = ()) -> SubwordModel:
        """A model of at most ``vocab_size`` pieces (fewer when the text has fewer) fitted
        on ``sentences``; ``symbols`` are kept as atomic pieces."""
        if model_type not in MODEL_TYPES:
            raise ValueError(f"model_type must be one of {MODEL_TYPES}. "
                             f"Received: model_type={model_type!r}")
        out = io.BytesIO()
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(list(sentences)), model_writer=out,
            vocab_size=vocab_size, model_type=model_type, hard_vocab_limit=False,
            character_coverage=1.0, normalization_rule_name="identity",
            split_digits=True, byte_fallback=False, user_defined_symbols=list(symbols),
            pad_id=PAD_ID, unk_id=UNK_ID, bos_id=START_ID, eos_id=END_ID,
            num_threads=os.cpu_count() or 1, minloglevel=2)
        return cls(out.getvalue())

    def __len__(self):
        return self.processor.get_piece_size()

    def encode(self, text: str) -> list[int]:
        return self.processor.encode(text)

    def decode(self, ids: Iterable[int]) -> str:
        return self.processor.decode([int(i) for i in ids])

    def pieces(self, ids: Iterable[int]) -> list[str]:
        return [self.processor.id_to_piece(int(i)) for i in ids]

    def to_dict(self) -> dict:
        return {"proto_base64": base64.b64encode(self.proto).decode("ascii")}

    @classmethod
    def from_dict(cls, data: dict) -> SubwordModel:
        return cls(base64.b64decode(data["proto_base64"]))


@dataclass
class SubwordCodec(Codec):
    """The subword codec of the module doc (`pipelines.translate.codec` interface).

    Args:
        source, target: The SentencePiece models.
        copy_rule: Which source words are copied (`pipelines.translate.copying`).
        direction: e.g. ``en-es``.
        max_source_length: Sources are cut to this many pieces (with a warning).
        max_target_length: Longest training target, in pieces.
    """

    FORMAT: ClassVar[str] = "rnnkit-translate-subword-codec/1"

    source: SubwordModel
    target: SubwordModel
    copy_rule: CopyRule
    direction: str
    max_source_length: int
    max_target_length: int

    @classmethod
    def fit(cls, sources: list[str], targets: list[str], direction: str, *,
            source_vocab_size: int, target_vocab_size: int, model_type: str = "unigram",
            max_copies: int = 8, max_source_length: int = 64,
            max_target_length: int = 64) -> SubwordCodec:
        """Copy rule and both models from the training pairs (raw sentences)."""
        sources = [normalize(s) for s in sources]
        targets = [normalize(t) for t in targets]
        rule = CopyRule.fit(sources, targets, max_copies)
        tagged = [rule.tag_source(s) for s in sources]
        tags = [tag(k) for k in range(1, max_copies + 1)]
        source = SubwordModel.train((s for s, _ in tagged), source_vocab_size, model_type,
                                    tags)
        target = SubwordModel.train(
            (rule.tag_target(t, copies) for t, (_, copies) in zip(targets, tagged, strict=True)),
            target_vocab_size, model_type, tags)
        return cls(source, target, rule, direction, max_source_length, max_target_length)

    @property
    def source_size(self) -> int:
        return len(self.source)

    @property
    def target_size(self) -> int:
        return len(self.target)

    def encode_source(self, text: str) -> Encoded:
        tagged, copies = self.copy_rule.tag_source(normalize(text))
        ids = self.source.encode(tagged)
        return Encoded(ids, self.source.pieces(ids), copies)

    def encode_target(self, text: str, copies: list[str]) -> list[int]:
        return self.target.encode(self.copy_rule.tag_target(normalize(text), copies))

    def decode(self, ids, attention, source: Encoded) -> tuple[str, list[str]]:
        text = self.target.decode(i for i in ids if i != UNK_ID)
        pieces = [self.copy_rule.untag(p, source.copies) or p
                  for p in self.target.pieces(ids)]
        return normalize(self.copy_rule.untag(text, source.copies)), pieces

    def to_dict(self) -> dict:
        return {"direction": self.direction, "max_source_length": self.max_source_length,
                "max_target_length": self.max_target_length,
                "copy_rule": self.copy_rule.to_dict(),
                "source": self.source.to_dict(), "target": self.target.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> SubwordCodec:
        return cls(SubwordModel.from_dict(data["source"]), SubwordModel.from_dict(data["target"]),
                   CopyRule.from_dict(data["copy_rule"]), str(data["direction"]),
                   int(data["max_source_length"]), int(data["max_target_length"]))
