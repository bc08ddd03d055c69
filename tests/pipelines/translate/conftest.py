"""Fixtures of the translate tests: tiny pair files, configs, a small untrained translator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.core.config import build_config
from pipelines.translate.config import TranslateConfig

DATA_HOME = Path(os.environ.get("RNNKIT_DATA_HOME", "data/raw"))
SPA = DATA_HOME / "anki_spa_eng" / "spa.txt"

PAIRS = [("Go.", "Ve."), ("Go.", "Vete."), ("Hi.", "Hola."), ("Run!", "¡Corre!"),
         ("Who?", "¿Quién?"), ("Tom ran.", "Tom corrió."), ("I see.", "Ya veo."),
         ("Help!", "¡Ayuda!"), ("Go away.", "Vete."), ("I won!", "¡He ganado!"),
         ("Wait.", "Espera."), ("Stop!", "¡Para!")]


@pytest.fixture
def write_pairs(tmp_path):
    """Write lines (strings, joined by newlines) or pairs to a pair file; return its path."""

    def _write(rows=PAIRS, name="pairs.txt", raw: bytes | None = None) -> Path:
        path = tmp_path / name
        if raw is not None:
            path.write_bytes(raw)
        else:
            lines = [r if isinstance(r, str) else "\t".join(r) for r in rows]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return _write


@pytest.fixture
def make_cfg():
    """``TranslateConfig`` from a nested mapping (defaults elsewhere)."""

    def _make(**sections) -> TranslateConfig:
        return build_config(TranslateConfig, sections)

    return _make


@pytest.fixture
def spa_home():
    """The data home holding the English-Spanish pairs, or a skip naming the missing file."""
    if not SPA.is_file():
        pytest.skip(f"data home lacks {SPA.resolve()}")
    return DATA_HOME


@pytest.fixture
def translate_store(task_store):
    return task_store("translate")
