"""Cron injection: no value reaching `rnnkit schedule`'s entry can add a line, and
`--remove` takes out every line an entry owns (against a fake crontab)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pipelines import schedule
from pipelines.cli import app

INJECTED = "* * * * * touch /tmp/PWNED #"
USER_LINES = "MAILTO=ops@example.org\n17 * * * * backup.sh\n"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture(autouse=True)
def _store(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5999")


def assert_refused(result, fake_crontab, what: str) -> None:
    assert result.exit_code == 1, result.output
    assert what in result.stderr and "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    assert fake_crontab.read_text() == USER_LINES  # untouched


@pytest.mark.parametrize("breaker", ["\n", "\r", "\x00"])
def test_an_override_with_a_line_break_is_refused(fake_crontab, breaker):
    fake_crontab.write_text(USER_LINES)
    result = invoke("schedule", "forecast", "--cron", "0 3 * * *",
                    f"data.target=x{breaker}{INJECTED}")
    assert_refused(result, fake_crontab, "Override 'data.target'")


def test_print_refuses_too(fake_crontab):
    fake_crontab.write_text(USER_LINES)
    result = invoke("schedule", "forecast", "--cron", "0 3 * * *", "--print",
                    f"data.target=x\n{INJECTED}")
    assert_refused(result, fake_crontab, "a newline (LF)")
    assert INJECTED not in result.stdout


def test_a_log_path_with_a_newline_is_refused(fake_crontab, tmp_path):
    fake_crontab.write_text(USER_LINES)
    result = invoke("schedule", "forecast", "--cron", "0 3 * * *", "--log",
                    f"{tmp_path}/x\n{INJECTED}")
    assert_refused(result, fake_crontab, "--log path")


@pytest.mark.parametrize("variable", ["RNNKIT_DATA_HOME", "MLFLOW_TRACKING_URI",
                                      "PYTHONPATH", "KERAS_BACKEND", "RNNKIT_LOCK_DIR"])
def test_an_environment_value_with_a_newline_is_refused(fake_crontab, monkeypatch, variable):
    fake_crontab.write_text(USER_LINES)
    value = {"MLFLOW_TRACKING_URI": "http://127.0.0.1:5999", "KERAS_BACKEND": "jax"}.get(
        variable, "/data")
    monkeypatch.setenv(variable, f"{value}\n{INJECTED}")
    result = invoke("schedule", "forecast", "--cron", "0 3 * * *")
    assert_refused(result, fake_crontab, f"Environment variable {variable}")


def test_the_working_directory_with_a_newline_is_refused(fake_crontab, monkeypatch, tmp_path):
    fake_crontab.write_text(USER_LINES)
    odd = tmp_path / "odd\nname"
    odd.mkdir()
    monkeypatch.chdir(odd)
    result = invoke("schedule", "forecast", "--cron", "0 3 * * *")
    assert_refused(result, fake_crontab, "The working directory")


def test_an_entry_that_is_not_marker_plus_one_line_is_never_written(fake_crontab):
    with pytest.raises(schedule.ScheduleError, match="not its marker and one job line"):
        schedule.install_entry("forecast", schedule.marker("forecast") + "\n0 3 * * * a\nb")
    assert not fake_crontab.exists()


def legacy_injected(log: str) -> str:
    """What the old code wrote for data.target=$'x\\n* * * * * touch /tmp/PWNED #'."""
    return (f"{schedule.marker('forecast')}\n"
            "0 3 * * * cd /repo && mkdir -p /logs && env MLFLOW_TRACKING_URI=x "
            "/repo/.venv/bin/python -m pipelines.cli retrain forecast --profile default "
            "--min-improvement 0.0 'data.target=x\n"
            f"{INJECTED}' >> {log} 2>&1\n")


def test_remove_takes_out_a_legacy_injected_entry_whole(fake_crontab):
    fake_crontab.write_text("MAILTO=ops@example.org\n" + legacy_injected("/logs/r.log")
                            + "17 * * * * backup.sh\n")
    removed = invoke("schedule", "forecast", "--remove")
    assert removed.exit_code == 0 and "removed" in removed.stdout
    assert fake_crontab.read_text() == USER_LINES
    assert "PWNED" not in fake_crontab.read_text()


def test_remove_takes_out_a_legacy_entry_split_by_its_log_path(fake_crontab):
    log = f"'/logs/x\n{INJECTED}'"  # --log $'/logs/x\n* * * * * touch /tmp/PWNED #'
    legacy = (f"{schedule.marker('forecast')}\n"
              "0 3 * * * cd /repo && mkdir -p /logs && "
              f"echo \"== $(date) rnnkit retrain forecast\" >> {log} && env "
              "MLFLOW_TRACKING_URI=x /repo/.venv/bin/python -m pipelines.cli retrain forecast "
              f"--profile default --min-improvement 0.0 >> {log} 2>&1\n")
    assert legacy.count("\n") == 4  # marker, the job cut in three
    fake_crontab.write_text("MAILTO=ops@example.org\n" + legacy + "17 * * * * backup.sh\n")
    assert invoke("schedule", "forecast", "--remove").exit_code == 0
    assert fake_crontab.read_text() == USER_LINES


def test_remove_of_a_legacy_entry_stops_at_the_next_marker(fake_crontab):
    """No ``2>&1`` before the next entry: only the line under the marker goes, as before."""
    speech = schedule.marker("speech") + "\n1 1 * * * s >> /l 2>&1\n"
    fake_crontab.write_text(f"{schedule.marker('forecast')}\n0 3 * * * hand-edited\n"
                            + USER_LINES + speech)
    assert invoke("schedule", "forecast", "--remove").exit_code == 0
    assert fake_crontab.read_text() == USER_LINES + speech


def test_reinstall_over_a_legacy_injected_entry_replaces_it(fake_crontab, tmp_path):
    fake_crontab.write_text(USER_LINES + legacy_injected("/logs/r.log"))
    installed = invoke("schedule", "forecast", "--cron", "0 4 * * *",
                       "--log", str(tmp_path / "r.log"))
    assert installed.exit_code == 0, installed.output
    lines = fake_crontab.read_text().splitlines()
    assert "PWNED" not in fake_crontab.read_text()
    assert lines[:2] == USER_LINES.splitlines() and len(lines) == 4
    assert lines[2] == schedule.marker("forecast")
    assert lines[3].startswith("0 4 * * * ") and lines[3].endswith(schedule.end_tag("forecast"))


def test_install_and_remove_keep_the_other_lines_byte_for_byte(fake_crontab, tmp_path):
    other = "# keep me  \n\n@reboot  start.sh   \n" + schedule.marker("speech") + "\n1 1 * * * s\n"
    fake_crontab.write_text(other)
    for cron in ("0 3 * * *", "0 5 * * *"):  # the second replaces the first
        assert invoke("schedule", "forecast", "--cron", cron, "--log",
                      str(tmp_path / "r.log")).exit_code == 0
    text = fake_crontab.read_text()
    assert text.startswith(other) and text.count(schedule.marker("forecast")) == 1
    assert invoke("schedule", "forecast", "--remove").exit_code == 0
    assert fake_crontab.read_text() == other
