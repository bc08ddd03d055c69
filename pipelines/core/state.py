"""Preprocessor state as JSON beside the model: one save/load for every task.

A preprocessor (scaler, vocabulary, spectrogram settings) is a small Python object
with ``to_dict`` and ``from_dict``; ``JsonState`` adds ``save(path)`` and
``load(path)`` and checks the ``format`` tag, so a file of another kind (or another
task) is refused with a message instead of half-loading.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar, Self


class JsonState:
    """``save``/``load`` for a class with ``to_dict``/``from_dict`` and a ``FORMAT``."""

    FORMAT: ClassVar[str] = ""
    UNTAGGED_OK: ClassVar[bool] = False  # files written before the format tag existed

    def to_dict(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: dict) -> Self:
        raise NotImplementedError

    def save(self, path: str | Path) -> Path:
        """Write ``{"format": FORMAT, **to_dict()}`` to ``path`` (UTF-8 JSON)."""
        path = Path(path)
        data = {"format": self.FORMAT, **self.to_dict()}
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Self:
        data = cls.checked(json.loads(Path(path).read_text(encoding="utf-8")))
        return cls.from_dict({k: v for k, v in data.items() if k != "format"})

    @classmethod
    def checked(cls, data: dict) -> dict:
        """``data`` when its ``format`` is this class's, else a ``ValueError``."""
        if cls.UNTAGGED_OK and "format" not in data:
            return data
        if data.get("format") != cls.FORMAT:
            raise ValueError(f"Not a {cls.__name__} file: format {data.get('format')!r}, "
                             f"expected {cls.FORMAT!r}.")
        return data
