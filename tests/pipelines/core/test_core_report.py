"""The report JSON: contract keys, atomic write, the end-of-run table."""

from __future__ import annotations

import json
import os

import pytest

from pipelines.core.report import format_table, report_dict, write_report
from pipelines.core.types import Report

REPORT = Report(
    model_metrics={"mae": 1.0, "rmse": float("nan")},
    baselines={"naive": {"mae": 2.0}},
    dataset="toy",
)


def test_report_dict_follows_contract():
    data = report_dict("forecast", "abc", "smoke", REPORT, {"ingest": 0.1234567})
    assert set(data) == {
        "task",
        "run_id",
        "dataset",
        "profile",
        "model",
        "baselines",
        "durations_s",
    }
    assert data["model"] == {"mae": 1.0, "rmse": None}  # NaN is not valid JSON
    assert data["baselines"] == {"naive": {"mae": 2.0}}
    assert data["durations_s"] == {"ingest": 0.1235}


def test_write_report_replaces_atomically(tmp_path):
    path = tmp_path / "out" / "r.json"
    write_report(path, {"a": 1})
    write_report(path, {"a": 2})
    assert json.loads(path.read_text()) == {"a": 2}
    assert os.listdir(path.parent) == ["r.json"]  # no temp files left


def test_failed_write_keeps_the_old_report(tmp_path):
    path = tmp_path / "r.json"
    write_report(path, {"a": 1})
    with pytest.raises(ValueError):
        write_report(path, {"a": float("inf")})  # allow_nan=False rejects it mid-write
    assert json.loads(path.read_text()) == {"a": 1}
    assert os.listdir(tmp_path) == ["r.json"]


def test_format_table_rows_and_columns():
    text = format_table(report_dict("forecast", "abc", "smoke", REPORT, {}))
    lines = text.splitlines()
    assert "mae" in lines[0] and "rmse" in lines[0]
    assert lines[1].startswith("model") and lines[2].startswith("baseline: naive")
    assert lines[2].rstrip().endswith("-")  # the baseline has no rmse


@pytest.fixture
def umask():
    """Call with a umask to set it for the test; the old one is restored after."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)],
                         ids=["022", "077", "002"])
def test_report_mode_follows_the_umask_also_when_replacing(tmp_path, umask, mask, mode):
    umask(mask)
    path = tmp_path / "r.json"
    write_report(path, {"a": 1})
    assert path.stat().st_mode & 0o777 == mode  # mkstemp gave 0o600 whatever the umask
    path.chmod(0o640 if mode != 0o640 else 0o600)  # an old report with another mode
    write_report(path, {"a": 2})
    assert path.stat().st_mode & 0o777 == mode  # the mode a new report gets
    assert os.listdir(tmp_path) == ["r.json"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_report_mode_follows_the_umask(tmp_path, umask, mode):
    import stat

    old = os.umask(umask)
    try:
        path = write_report(tmp_path / "r.json", {"a": 1})
        assert stat.S_IMODE(path.stat().st_mode) == mode
        write_report(path, {"a": 2})  # replacing keeps the mode a new file gets
        assert stat.S_IMODE(path.stat().st_mode) == mode
    finally:
        os.umask(old)
