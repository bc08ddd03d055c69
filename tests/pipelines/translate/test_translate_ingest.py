"""Pair files: orientation, subsets, and errors naming the file and the line."""

import pytest

from pipelines.core.errors import ConfigError, DataMissingError
from pipelines.translate.ingest import TranslateDataError, ingest, read_pairs


def test_pairs_are_read_and_oriented(write_pairs, make_cfg):
    path = write_pairs([("Go.", "Ve.", "CC-BY 2.0 (France) Attribution: tatoeba.org"), "",
                        ("Hi.", "Hola."), ("¿Qué?", "What?")[::-1]])
    assert read_pairs(path) == [("Go.", "Ve."), ("Hi.", "Hola."), ("What?", "¿Qué?")]
    raw = ingest(make_cfg(data={"source": f"file:{path}"}))
    assert raw.sources == ["Go.", "Hi.", "What?"] and raw.targets == ["Ve.", "Hola.", "¿Qué?"]
    back = ingest(make_cfg(data={"source": f"file:{path}", "direction": "es-en"}))
    assert back.sources == raw.targets and back.direction == "es-en"
    assert raw.provenance.rows == 3 and len(raw.provenance.sha256) == 64


def test_missing_tab_names_the_file_and_line(write_pairs):
    path = write_pairs([("Go.", "Ve."), ("Hi.", "Hola."), "Run! Corre!"])
    with pytest.raises(TranslateDataError, match=r"pairs.txt, line 3: .*no tab.*Run! Corre!"):
        read_pairs(path)


def test_empty_side_and_bad_encoding_name_the_line(write_pairs):
    with pytest.raises(TranslateDataError, match="line 2: the second sentence is empty"):
        read_pairs(write_pairs([("Go.", "Ve."), "Hi.\t  "]))
    raw = "Go.\tVe.\nHi.\tHola.\nCaf\xe9\tCaf\xe9\n".encode("latin-1")
    with pytest.raises(TranslateDataError, match="line 3: not UTF-8"):
        read_pairs(write_pairs(raw=raw))
    with pytest.raises(TranslateDataError, match="holds no sentence pairs"):
        read_pairs(write_pairs(raw=b"\n\n"))


def test_config_errors(write_pairs, make_cfg, tmp_path):
    path = write_pairs()
    with pytest.raises(ConfigError, match="en-es or es-en"):
        ingest(make_cfg(data={"source": f"file:{path}", "direction": "en-fr"}))
    with pytest.raises(ConfigError, match="anki_spa_eng, anki_fra_eng, file:PATH"):
        ingest(make_cfg(data={"source": "europarl"}))
    with pytest.raises(DataMissingError, match="nope.txt"):
        ingest(make_cfg(data={"source": f"file:{tmp_path / 'nope.txt'}"}))


def test_max_words_and_max_pairs_subset(write_pairs, make_cfg):
    path = write_pairs()
    raw = ingest(make_cfg(data={"source": f"file:{path}", "max_words": 1, "max_pairs": 4}))
    assert len(raw.sources) == 4 and all(" " not in s + t
                                         for s, t in zip(raw.sources, raw.targets, strict=True))


@pytest.mark.dataset
def test_packaged_pairs_from_the_data_home(spa_home, monkeypatch, make_cfg):
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(spa_home))
    raw = ingest(make_cfg(data={"max_pairs": 50}))
    assert raw.dataset == "anki_spa_eng" and len(raw.sources) == 50
    assert raw.provenance.rows == 50 and raw.provenance.path.endswith("spa.txt")
