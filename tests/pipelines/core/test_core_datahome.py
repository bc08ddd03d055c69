"""The data home: where datasets are expected, and the errors when they are missing."""

from __future__ import annotations

import socket

import pytest

from pipelines.core.datahome import data_home, dataset_path, require_file
from pipelines.core.errors import DataMissingError, RnnkitUserError


def test_data_home_default_is_data_raw_under_cwd(monkeypatch, tmp_path):
    monkeypatch.delenv("RNNKIT_DATA_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert data_home() == tmp_path.resolve() / "data" / "raw"


def test_data_home_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(tmp_path))
    assert data_home() == tmp_path
    assert dataset_path("a/b.csv") == tmp_path / "a" / "b.csv"


def test_present_file_is_returned(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(tmp_path))
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "t.csv").write_text("a\n1\n")
    assert require_file("toy/t.csv", "a toy") == tmp_path / "toy" / "t.csv"


def test_missing_file_without_url_names_path_and_source(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(tmp_path))
    with pytest.raises(DataMissingError) as info:
        require_file("beijing/air.csv.gz", "UCI Beijing Multi-Site Air-Quality")
    msg = str(info.value)
    assert str(tmp_path / "beijing" / "air.csv.gz") in msg
    assert "UCI Beijing Multi-Site Air-Quality" in msg and "RNNKIT_DATA_HOME" in msg
    assert isinstance(info.value, RnnkitUserError)


def test_failed_download_names_path_url_and_source(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(tmp_path))
    with socket.socket() as s:  # a port nobody listens on: connection refused, no network
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/jena.csv"
    with pytest.raises(DataMissingError) as info:
        require_file("jena/jena.csv", "Keras weather example (MPI-BGC Jena)", url=url)
    msg = str(info.value)
    assert str(tmp_path / "jena" / "jena.csv") in msg and url in msg and "MPI-BGC" in msg
    assert not (tmp_path / "jena" / "jena.csv").exists()  # no partial file left behind


def test_directory_in_place_of_file(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(tmp_path))
    (tmp_path / "x.csv").mkdir()
    with pytest.raises(DataMissingError, match="is a directory"):
        require_file("x.csv", "somewhere")
