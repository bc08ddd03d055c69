"""Retrain and schedule without training: the promotion rule, the lock, cron entries."""

from __future__ import annotations

import math
import shlex
import subprocess
import sys
import types

import pytest
from typer.testing import CliRunner

from pipelines import schedule
from pipelines.cli import app
from pipelines.core import lock, tasks
from pipelines.core.promotion import move_alias
from pipelines.retrain import RetrainError, _judge, decide, improvement

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


# --------------------------------------------------------------------- promotion rule


def test_improvement_is_relative_and_signed_by_direction():
    assert improvement(8.0, 10.0, higher_is_better=False) == pytest.approx(0.2)
    assert improvement(12.0, 10.0, higher_is_better=False) == pytest.approx(-0.2)
    assert improvement(0.9, 0.75, higher_is_better=True) == pytest.approx(0.2)
    assert improvement(1.0, 0.0, higher_is_better=True) == math.inf


@pytest.mark.parametrize(
    ("challenger", "champion", "higher", "minimum", "promote"),
    [
        (8.0, 10.0, False, 0.0, True),     # mae 20 % lower
        (8.0, 10.0, False, 0.25, False),   # ... but 25 % was asked for
        (10.0, 10.0, False, 0.0, False),   # a tie never promotes
        (11.0, 10.0, False, 0.0, False),
        (0.80, 0.75, True, 0.05, True),    # accuracy 6.7 % higher
        (0.70, 0.75, True, 0.0, False),
        (float("nan"), 10.0, False, 0.0, False),
        (None, 10.0, False, 0.0, False),   # the metric is missing
        (5.0, float("nan"), False, 0.0, True),  # a broken champion loses
        (5.0, None, False, 0.0, True),     # no champion yet
    ],
)
def test_decide(challenger, champion, higher, minimum, promote):
    promoted, gain, reason = decide("m", higher, challenger, champion, minimum)
    assert promoted is promote
    assert reason
    if gain is not None:
        assert (gain > 0 and gain >= minimum) is promote


# --------------------------------------------------------------------------- lock


def test_lock_is_exclusive_and_released_on_exit(tmp_path):
    path = tmp_path / "locks" / "job.lock"
    with lock.exclusive(path, "'rnnkit retrain demo'"):
        with pytest.raises(lock.AlreadyRunningError, match="already running") as caught:
            with lock.exclusive(path, "'rnnkit retrain demo'"):
                pass
        assert str(path) in str(caught.value) and "rnnkit retrain demo" in str(caught.value)
    with lock.exclusive(path, "again"):  # free again
        pass


def test_lock_of_a_killed_process_is_not_stuck(tmp_path):
    path = tmp_path / "job.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom pipelines.core import lock\n"
         f"with lock.exclusive(__import__('pathlib').Path({str(path)!r}), 'x'):\n"
         "    print('held', flush=True)\n    time.sleep(600)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(lock.AlreadyRunningError, match=f"pid {holder.pid}"):
            with lock.exclusive(path, "job"):
                pass
    finally:
        holder.kill()  # SIGKILL: no cleanup code runs in the holder
        holder.wait()
    with lock.exclusive(path, "job"):
        pass


def test_lock_path_depends_on_task_and_store(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNKIT_LOCK_DIR", str(tmp_path))
    a = lock.retrain_lock_path("forecast", "http://127.0.0.1:5000")
    assert a.parent == tmp_path and a.name.startswith("retrain-forecast-")
    assert a != lock.retrain_lock_path("forecast", "sqlite:///other.db")
    assert a != lock.retrain_lock_path("speech", "http://127.0.0.1:5000")
    # one store, many spellings: one lock
    for same in ("http://localhost:5000", "http://127.0.0.1:5000/", "HTTP://LocalHost:5000//"):
        assert lock.retrain_lock_path("forecast", same) == a, same
    monkeypatch.chdir(tmp_path)
    spelled = f"sqlite:///{tmp_path / 'x' / '..' / 'mlflow.db'}"
    assert (lock.retrain_lock_path("forecast", "sqlite:///mlflow.db")
            == lock.retrain_lock_path("forecast", spelled))
    assert lock.store_key("https://mlflow.example.org/") == "https://mlflow.example.org:443"
    monkeypatch.delenv("RNNKIT_LOCK_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert lock.lock_dir() == tmp_path / "cache" / "rnnkit" / "locks"


# ------------------------------------------------------------------------ cron


@pytest.mark.parametrize("good", ["0 3 * * *", "*/15 0-6,22,23 * * mon-fri", "@daily",
                                  "0  3 1,15 jan-jun 7", "5 4 * * sun"])
def test_valid_cron_expressions(good):
    assert schedule.validate_cron(good) == " ".join(good.split())


@pytest.mark.parametrize(("bad", "names"), [
    ("0 3 * *", "needs 5"),
    ("61 3 * * *", "minute field '61'"),
    ("0 24 * * *", "hour field '24'"),
    ("0 3 0 * *", "day of month field '0'"),
    ("0 3 * 13 *", "month field '13'"),
    ("0 3 * * 8", "day of week field '8'"),
    ("0 3 * * fun", "day of week field 'fun'"),
    ("*/0 3 * * *", "step below 1"),
    ("0 5-2 * * *", "runs backwards"),
    ("0 3 * * * echo hi", "7 fields"),
    ("@sometimes", "1 fields"),
])
def test_invalid_cron_names_the_field(bad, names):
    with pytest.raises(schedule.ScheduleError, match="Cron expression") as caught:
        schedule.validate_cron(bad)
    assert names in str(caught.value)


def test_entry_carries_environment_python_and_log(monkeypatch, tmp_path):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5999")
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(tmp_path / "data 100%"))
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    monkeypatch.chdir(tmp_path)
    entry = schedule.cron_entry("forecast", "0 3 * * *", profile="smoke",
                                overrides=["train.epochs=3"], min_improvement=0.05,
                                log=tmp_path / "r.log")
    marker, line = entry.splitlines()
    assert marker == schedule.marker("forecast")
    assert line.startswith("0 3 * * * cd ")
    assert "100\\%" in line  # cron turns a bare % into a newline
    words = shlex.split(line.split(None, 5)[5].replace("\\%", "%"), comments=True)
    assert words[:2] == ["cd", str(tmp_path)]
    assert "MLFLOW_TRACKING_URI=http://127.0.0.1:5999" in words
    assert f"RNNKIT_DATA_HOME={tmp_path / 'data 100%'}" in words
    assert "KERAS_BACKEND=jax" in words
    start = words.index(sys.executable)
    assert words[start:start + 10] == [sys.executable, "-m", "pipelines.cli", "retrain",
                                       "forecast", "--profile", "smoke",
                                       "--min-improvement", "0.05", "train.epochs=3"]
    assert words[-3:] == [">>", str(tmp_path / "r.log"), "2>&1"]


def test_relative_sqlite_store_is_made_absolute(monkeypatch, tmp_path):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///mlflow.db")
    monkeypatch.chdir(tmp_path)
    command = schedule.retrain_command("forecast")
    assert f"MLFLOW_TRACKING_URI=sqlite:///{tmp_path / 'mlflow.db'}" in command


def test_schedule_install_replace_remove(fake_crontab, monkeypatch, tmp_path):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5999")
    fake_crontab.write_text("MAILTO=ops@example.org\n17 * * * * backup.sh\n")
    result = invoke("schedule", "forecast", "--cron", "0 3 * * *", "--log",
                    str(tmp_path / "a.log"))
    assert result.exit_code == 0, result.stderr
    marker = schedule.marker("forecast")
    text = fake_crontab.read_text()
    assert text.startswith("MAILTO=ops@example.org\n17 * * * * backup.sh\n" + marker + "\n0 3 ")

    again = invoke("schedule", "forecast", "--cron", "30 4 * * 1-5", "--profile", "smoke")
    assert again.exit_code == 0, again.stderr
    lines = fake_crontab.read_text().splitlines()
    assert lines.count(marker) == 1  # replaced, not added
    assert lines[lines.index(marker) + 1].startswith("30 4 * * 1-5 ")
    assert "--profile smoke" in lines[-1] and "backup.sh" in lines[1]

    removed = invoke("schedule", "forecast", "--remove")
    assert removed.exit_code == 0 and "removed" in removed.stdout
    assert fake_crontab.read_text() == "MAILTO=ops@example.org\n17 * * * * backup.sh\n"
    assert "no schedule" in invoke("schedule", "forecast", "--remove").stdout


def test_schedule_print_changes_nothing(fake_crontab):
    result = invoke("schedule", "forecast", "--cron", "@daily", "--print")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == schedule.marker("forecast")
    assert result.stdout.splitlines()[1].startswith("@daily cd ")
    assert not fake_crontab.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--cron", "0 25 * * *"], "hour field '25'"),
    ([], "Give --cron"),
    (["--remove", "--cron", "0 3 * * *"], "--remove takes neither"),
    (["--cron", "0 3 * * *", "train.epoch=3"], "train.epoch"),
    (["--cron", "0 3 * * *", "--profile", "huge"], "huge"),
])
def test_schedule_user_errors(fake_crontab, args, message):
    result = invoke("schedule", "forecast", *args)
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not fake_crontab.exists()


def test_schedule_without_a_crontab_program(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNKIT_CRONTAB", str(tmp_path / "no-such-crontab"))
    result = invoke("schedule", "forecast", "--cron", "0 3 * * *")
    assert result.exit_code == 1 and "No crontab program" in result.stderr
    assert "--print" in result.stderr


# ----------------------------------------------------------------- retrain errors


def test_retrain_rejects_bad_arguments_before_training(monkeypatch, tmp_path):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'never.db'}")
    bad = invoke("retrain", "forecast", "--min-improvement", "-0.1")
    assert bad.exit_code == 1 and "--min-improvement must be" in bad.stderr
    key = invoke("retrain", "forecast", "train.epoch=3")
    assert key.exit_code == 1 and "train.epoch" in key.stderr
    assert not (tmp_path / "never.db").exists()


def test_retrain_needs_a_registered_version(register_fake, mlflow_store, monkeypatch,
                                            tmp_path):
    monkeypatch.setenv("RNNKIT_LOCK_DIR", str(tmp_path))
    register_fake()  # its register hook logs no model
    result = invoke("retrain", "fake", "--profile", "smoke")
    assert result.exit_code == 1
    assert "registered no version of rnnkit-fake" in result.stderr
    assert "champion is kept" in result.stderr


# ------------------------------------------------------- alias guard, optional hook


class _Version:
    def __init__(self, version, run_id="r"):
        self.version, self.run_id = version, run_id


class _Registry:
    """Just enough of an MlflowClient for the alias and the version lookups."""

    def __init__(self, champion):
        self.champion, self.aliased, self.tags = champion, [], {}

    def get_registered_model(self, name):
        aliases = {} if self.champion is None else {"champion": self.champion}
        return types.SimpleNamespace(name=name, aliases=aliases, tags=dict(self.tags))

    def get_model_version(self, name, version):
        return _Version(int(version))

    def set_registered_model_tag(self, name, key, value):
        self.tags[key] = value

    def set_registered_model_alias(self, name, alias, version):
        self.aliased.append((alias, str(version)))
        self.champion = version


def test_alias_moves_only_if_it_still_points_where_it_did():
    registry = _Registry(champion=4)  # another host promoted version 4 meanwhile
    with pytest.raises(RetrainError, match="moved to version 4 meanwhile .it was 3."):
        move_alias(registry, "rnnkit-forecast", _Version(3), _Version(5), settle=0)
    assert registry.aliased == []
    move_alias(registry, "rnnkit-forecast", _Version(4), _Version(5), settle=0)
    assert registry.aliased == [("champion", "5")]
    assert "version 5" in registry.tags["rnnkit.champion_mover"]
    first = _Registry(champion=None)
    move_alias(first, "rnnkit-forecast", None, _Version(1), settle=0)
    assert first.aliased == [("champion", "1")]


class _Racer(_Registry):
    """A registry where another process writes its mover id right after ours."""

    def set_registered_model_tag(self, name, key, value):
        super().set_registered_model_tag(name, key, value)
        self.tags[key] = "someone else on host-b, pid 7, version 6"


def test_a_concurrent_mover_makes_the_move_give_up_untouched():
    registry = _Racer(champion=4)
    with pytest.raises(RetrainError, match="Another process .someone else on host-b"):
        move_alias(registry, "rnnkit-forecast", _Version(4), _Version(5), settle=0)
    assert registry.aliased == [] and registry.champion == 4


def test_without_score_model_a_champion_is_never_replaced(register_fake):
    register_fake()
    task = tasks.get_task("fake")
    assert task.hook("score_model") is None
    result = types.SimpleNamespace(run_id="r2", report={"model": {"mae": 0.1}})
    with pytest.raises(RetrainError, match="no score_model hook.*champion is kept"):
        _judge(task, result, "rnnkit-fake", _Version(2), _Version(1), "mae", False, 0.0, print)
    first = _judge(task, result, "rnnkit-fake", _Version(1), None, "mae", False, 0.0, print)
    assert first.promoted and first.challenger.metrics == {"mae": 0.1}
    assert "run's evaluate stage" in first.window
