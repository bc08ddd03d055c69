"""The `Translator`: raw sentences in, translated sentences out.

```
source = codec.encode_source(text)[:max_source_length]   (longer input: cut, with a warning)
y      = greedy (beam 1) or beam search, at most min(max_target, 2 |source| + 10) ids
text   = codec.decode(y, attention, source)               (copied numbers and names put back)
```
The codec (`pipelines.translate.codec`) is a subword codec, whose copy tags carry numbers
and names through, or the word codec of older models, whose ``<unk>`` takes the attended
source word when that word may be copied. Bad lines never stop a batch: an empty line
translates to ``""`` and a long one is cut, each with a ``TranslationWarning`` naming its
position. Saved as a folder (``model.keras`` + ``codec.json``) that loads without any
training code.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.core.bucketing import padded_length
from pipelines.translate.codec import END_ID, START_ID, Codec, Encoded
from rnnkit.models.decoding import beam_search, greedy_search
from rnnkit.models.loading import load_model
from rnnkit.models.seq2seq import Seq2SeqInference

MODEL_FILE, CODEC_FILE = "model.keras", "codec.json"
PAD_MULTIPLE = 4


class TranslationWarning(UserWarning):
    """An input line was empty or cut; the others were translated all the same."""


@dataclass
class Translation:
    """One translated sentence with what produced it (for heatmaps and reports)."""

    text: str
    tokens: list[str]  # the output pieces (subwords, or words), copies written back
    source_tokens: list[str]  # the source pieces the model read
    attention: np.ndarray  # [len(tokens), len(source_tokens)]
    note: str = ""


class Translator:
    """A trained `build_seq2seq` model and its `Codec`.

    Args:
        model: The training model (`.keras`); decoding reuses its layers.
        codec: Tokens, copies and length limits (`pipelines.translate.codec`).
        batch_size: Sentences decoded at once.
        alpha: Length normalisation of beam search.
    """

    def __init__(self, model, codec: Codec, batch_size: int = 128, alpha: float = 1.0):
        self.model, self.codec = model, codec
        self.batch_size, self.alpha = int(batch_size), float(alpha)
        self.inference = Seq2SeqInference(model)

    def _prepare(self, texts) -> list[tuple[Encoded, str]]:
        """The encoded source per text and a note ("" when nothing was wrong)."""
        limit = self.codec.max_source_length
        out = []
        for position, text in enumerate(texts, start=1):
            source = self.codec.encode_source(text if isinstance(text, str) else "")
            if not source.ids:
                note = f"Input {position} is empty ({text!r}): its translation is empty."
            elif len(source) > limit:
                note = (f"Input {position} has {len(source)} tokens, more than the limit of "
                        f"{limit}: only its first {limit} tokens are translated.")
                source = source.cut(limit)
            else:
                note = ""
            if note:
                warnings.warn(note, TranslationWarning, stacklevel=3)
            out.append((source, note))
        return out

    def translate_detailed(self, texts, beam: int = 1) -> list[Translation]:
        """`Translation`s in input order (greedy for ``beam=1``, else beam search)."""
        prepared = self._prepare(list(texts))
        results: list[Translation | None] = [None] * len(prepared)
        todo = [i for i, (source, _) in enumerate(prepared) if source.ids]
        for i, (source, note) in enumerate(prepared):
            if not source.ids:
                results[i] = Translation("", [], [], np.zeros((0, 0), "float32"), note)
        todo.sort(key=lambda i: len(prepared[i][0]))  # similar lengths share a batch
        for start in range(0, len(todo), self.batch_size):
            rows = todo[start : start + self.batch_size]
            sources = [prepared[i][0] for i in rows]
            width = padded_length(max(len(s) for s in sources), PAD_MULTIPLE)
            ids = np.zeros((len(rows), width), dtype="int32")
            for r, source in enumerate(sources):
                ids[r, : len(source)] = source.ids
            limits = [self.codec.output_limit(len(s)) for s in sources]
            for i, source, hyp in zip(rows, sources, self._decode(ids, limits, beam),
                                      strict=True):
                attention = hyp.attention[:, : len(source)]
                text, pieces = self.codec.decode(hyp.tokens, attention, source)
                results[i] = Translation(text, pieces, source.pieces, attention,
                                         prepared[i][1])
        return results

    def _decode(self, ids, limits, beam):
        common = {"start_id": START_ID, "end_id": END_ID, "max_lengths": limits}
        if beam == 1:
            return greedy_search(self.inference, ids, **common)
        return beam_search(self.inference, ids, beam=beam, alpha=self.alpha, **common)

    def translate(self, texts, beam: int = 1) -> list[str]:
        """One translated string per input text, in input order."""
        return [t.text for t in self.translate_detailed(texts, beam)]

    def save(self, folder) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save(folder / MODEL_FILE)
        self.codec.save(folder / CODEC_FILE)
        return folder

    @classmethod
    def load(cls, folder, **kwargs) -> Translator:
        folder = Path(folder)
        return cls.from_files(folder / MODEL_FILE, folder / CODEC_FILE, **kwargs)

    @classmethod
    def from_files(cls, model_path, codec_path, **kwargs) -> Translator:
        model = load_model(model_path, compile=False)
        return cls(model, Codec.load(codec_path), **kwargs)  # either kind of codec
