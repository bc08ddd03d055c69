"""Every task refuses out-of-range values and unknown names when its config is built,
with a message naming the key, the value and what is allowed -- before any work starts."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from pipelines.core import tasks
from pipelines.core.config import load_config, to_dict
from pipelines.core.errors import ConfigError

TASKS = ("forecast", "speech", "sentiment", "translate")
CELLS = "one of 'simple', 'elman', 'leaky', 'skip_delay', 'multiscale', 'dt', 'dts', 'lstm'"
INT_1 = "an integer >= 1"
RATE = "a finite number > 0"
DROPOUT = "a finite number in [0, 1)"
FRACTION = "a finite number in (0, 1)"

# (task, override, what the message must contain besides the override's key and text)
BAD = [
    # forecast: each of these was accepted, or failed only deep inside a stage
    ("forecast", "train.epochs=-1", ["received -1", INT_1]),
    ("forecast", "train.epochs=0", ["received 0", INT_1]),
    ("forecast", "train.batch_size=0", ["received 0", INT_1]),
    ("forecast", "train.learning_rate=nan", ["received nan", RATE]),
    ("forecast", "train.learning_rate=-1", ["received -1", RATE]),
    ("forecast", "train.learning_rate=inf", ["received inf", RATE]),
    ("forecast", "train.learning_rate=0", ["received 0", RATE]),
    ("forecast", "model.units=0", ["received 0", INT_1]),
    ("forecast", "model.dropout=1.5", ["received 1.5", DROPOUT]),
    ("forecast", "featurize.val_fraction=2", ["received 2", FRACTION]),
    ("forecast", "featurize.val_fraction=0.9", ["val_fraction + test_fraction must be < 1",
                                                "received 0.9 + 0.15"]),
    ("forecast", "featurize.lookback=0", ["received 0", f"{INT_1} or null"]),
    ("forecast", "featurize.horizon=-3", ["received -3", f"{INT_1} or null"]),
    ("forecast", "featurize.fill_limit=-1", ["received -1", "an integer >= 0 or null"]),
    ("forecast", "featurize.stride=0", ["received 0", INT_1]),
    ("forecast", "featurize.frequency=fortnightly", ["'fortnightly'", "a pandas frequency"]),
    ("forecast", "model.cell=nonsense", ["'nonsense'", CELLS]),
    ("forecast", "model.cell=lstn", ["'lstn'", "Did you mean 'lstm'?"]),
    ("forecast", "model.cell_args.alfa=0.5", ["Cell 'gru' takes no argument 'alfa'",
                                              "it accepts: activation, recurrent_activation"]),
    ("forecast", "model.deep_output=[16, 0]", ["item model.deep_output[1] is not " + INT_1]),
    ("forecast", "data.source=nonsense", ["'nonsense'", "one of seattle-weather, msft, "
                                          "beijing, sp500, jena, csv:PATH"]),
    ("forecast", "data.source=csv:", ["csv:PATH needs a path"]),
    ("forecast", "train.patience=-1", ["received -1", "an integer >= 0"]),
    ("forecast", "train.seed=-1", ["received -1", "an integer in [0, 4294967295]"]),
    ("forecast", "train.max_train_windows=0", ["received 0", f"{INT_1} or null"]),
    ("forecast", "train.loss=mape", ["'mape'", "one of 'mae', 'mse', 'huber'"]),
    ("forecast", "evaluate.season=0", ["received 0", f"{INT_1} or null"]),
    ("forecast", "evaluate.statistical_max_windows=0", ["received 0", INT_1]),
    ("forecast", "evaluate.backtest_windows=0", ["received 0", INT_1]),
    ("forecast", "evaluate.refit_every=-1", ["received -1", "an integer >= 0"]),
    # speech
    ("speech", "data.source=librispeech", ["'librispeech'",
                                           "one of fsdd, folder:PATH, tfds:speech_commands"]),
    ("speech", "data.source=tfds:mnist", ["'tfds:mnist' is not supported"]),
    ("speech", "data.val_fraction=0", ["received 0", FRACTION]),
    ("speech", "data.max_files=0", ["received 0", f"{INT_1} or null"]),
    ("speech", "data.max_bad_fraction=1.5", ["received 1.5", "a finite number in [0, 1]"]),
    ("speech", "data.workers=0", ["received 0", INT_1]),
    ("speech", "data.split=random", ["'random'", "one of 'official', 'speaker'"]),
    ("speech", "featurize.sample_rate=0", ["received 0", INT_1]),
    ("speech", "featurize.n_mels=0", ["received 0", INT_1]),
    ("speech", "featurize.window_ms=0", ["received 0", RATE]),
    ("speech", "featurize.hop_ms=-10", ["received -10", RATE]),
    ("speech", "featurize.hop_ms=0.01", ["hop_ms must span at least one sample"]),
    ("speech", "featurize.max_frames=0", ["received 0", INT_1]),
    ("speech", "featurize.fmax=9000", ["fmax must be null or in (fmin = 20, sample_rate / 2 "
                                       "= 4000]", "received 9000"]),
    ("speech", "featurize.cepstra=41", ["cepstra must be null or an integer in [1, n_mels = "
                                        "40]", "received 41"]),
    ("speech", "featurize.deltas=3", ["received 3", "an integer in [0, 2]"]),
    ("speech", "featurize.speed_range=[1.2, 0.9]", ["[low, high] with 0 < low <= high"]),
    ("speech", "featurize.noise_snr_db=[10]", ["[] (no noise) or [low, high]"]),
    ("speech", "featurize.pitch_semitones=[2,-2]", ["[] (no shift) or [low, high] in semitones"]),
    ("speech", "featurize.utterance_norm=cmvn", ["'cmvn'", "one of 'none', 'mean', 'meanvar'"]),
    ("speech", "featurize.time_mask_fraction=2", ["received 2", "a finite number in [0, 1]"]),
    ("speech", "model.cell=transformer", ["'transformer'", CELLS]),
    ("speech", "model.units=0", ["received 0", INT_1]),
    ("speech", "model.dropout=1", ["received 1", DROPOUT]),
    ("speech", "train.epochs=0", ["received 0", INT_1]),
    ("speech", "train.batch_size=0", ["received 0", INT_1]),
    ("speech", "train.learning_rate=-0.1", ["received -0.1", RATE]),
    ("speech", "evaluate.linear_baseline=maybe", ["'maybe'", "true or false"]),
    # sentiment
    ("sentiment", "data.source=yelp", ["'yelp'", "one of imdb, csv:PATH"]),
    ("sentiment", "data.max_train=0", ["received 0", f"{INT_1} or null"]),
    ("sentiment", "data.labels=[pos]", ["['pos']", "at least 2 items"]),
    ("sentiment", "data.text_column=''", ["received ''", "a non-empty string"]),
    ("sentiment", "featurize.vocab_size=2", ["received 2", "an integer >= 3"]),
    ("sentiment", "featurize.max_length=0", ["received 0", INT_1]),
    ("sentiment", "featurize.min_count=0", ["received 0", INT_1]),
    ("sentiment", "featurize.pad_multiple=0", ["received 0", INT_1]),
    ("sentiment", "featurize.test_fraction=1", ["received 1", FRACTION]),
    ("sentiment", "model.pooling=sum", ["'sum'", "one of 'last', 'attention', 'mean'"]),
    ("sentiment", "model.embedding_dim=0", ["received 0", INT_1]),
    ("sentiment", "model.embedding_dropout=-0.1", ["received -0.1", DROPOUT]),
    ("sentiment", "train.word_dropout=1", ["received 1", DROPOUT]),
    ("sentiment", "train.learning_rate=nan", ["received nan", RATE]),
    ("sentiment", "evaluate.tfidf_ngrams=0", ["received 0", INT_1]),
    ("sentiment", "evaluate.tfidf_c=0", ["received 0", RATE]),
    # translate
    ("translate", "data.source=europarl", ["'europarl'",
                                           "one of anki_spa_eng, anki_fra_eng, file:PATH"]),
    ("translate", "data.direction=en-fr", ["direction must be en-es or es-en",
                                           "received 'en-fr'"]),
    ("translate", "data.languages=[en]", ["received ['en']", "a list of 2 items"]),
    ("translate", "data.max_words=0", ["received 0", f"{INT_1} or null"]),
    ("translate", "data.max_pairs=0", ["received 0", f"{INT_1} or null"]),
    ("translate", "featurize.source_vocab_size=4", ["received 4", "an integer >= 5"]),
    ("translate", "featurize.max_target_length=0", ["received 0", INT_1]),
    ("translate", "featurize.val_fraction=0.5", ["received 0.5",
                                                 "a finite number in (0, 0.5)"]),
    ("translate", "model.cell=attention", ["'attention'", CELLS]),
    ("translate", "model.decoder_units=0", ["received 0", INT_1]),
    ("translate", "model.output_units=0", ["received 0", f"{INT_1} or null"]),
    ("translate", "train.epochs=0", ["received 0", INT_1]),
    ("translate", "train.batch_size=-8", ["received -8", INT_1]),
    ("translate", "train.time_budget_minutes=0", ["received 0", f"{RATE} or null"]),
    ("translate", "train.patience=-1", ["received -1", "an integer >= 0"]),
    ("translate", "evaluate.beam=0", ["received 0", INT_1]),
    ("translate", "evaluate.length_alpha=-1", ["received -1", "a finite number >= 0"]),
    ("translate", "evaluate.max_test=0", ["received 0", f"{INT_1} or null"]),
]


@pytest.mark.parametrize(("task", "override", "parts"), BAD,
                         ids=[f"{t}:{o}" for t, o, _ in BAD])
def test_bad_values_are_refused_when_the_config_is_built(task, override, parts):
    with pytest.raises(ConfigError) as info:
        tasks.get_task(task).load_config("smoke", [override])
    message = str(info.value)
    key = override.partition("=")[0]
    section, _, name = key.partition(".")
    assert key in message or (f"section '{section}'" in message and name in message), message
    assert f"override '{override}'" in message, message
    for part in parts:
        assert part in message, (part, message)


@pytest.mark.parametrize("good", [
    "train.learning_rate=1e-3", "train.seed=0", "train.patience=0", "featurize.lookback=null",
    "featurize.fill_limit=0", "featurize.frequency=1h", "model.cell=stacked",
    "model.cell_args.dropout=0.1", "model.dropout=0", "data.source=csv:/tmp/prices.csv",
    "data.target=2024", "data.series_column=null", "data.features=[a, b]",
])
def test_values_in_range_are_accepted(good):
    cfg = tasks.get_task("forecast").load_config("smoke", [good])
    assert cfg.data.target == ("2024" if good == "data.target=2024" else None)


def test_translate_directions_follow_the_source():
    task = tasks.get_task("translate")
    assert task.load_config("smoke", ["data.direction=es-en"]).data.direction == "es-en"
    cfg = task.load_config("smoke", ["data.source=anki_fra_eng", "data.direction=fr-en"])
    assert cfg.data.direction == "fr-en"
    with pytest.raises(ConfigError, match=r"direction must be en-fr or fr-en \(the languages "
                                          r"of anki_fra_eng\); received 'en-es'"):
        task.load_config("smoke", ["data.source=anki_fra_eng"])
    cfg = task.load_config("smoke", ["data.source=file:/tmp/deu.txt", "data.languages=[de, en]",
                                     "data.direction=en-de"])
    assert cfg.data.languages == ["de", "en"]
    with pytest.raises(ConfigError, match=r"en-es or es-en \(data.languages = \[en, es\]"):
        task.load_config("smoke", ["data.source=file:/tmp/deu.txt", "data.direction=de-en"])


@pytest.mark.parametrize("task", TASKS)
def test_every_profile_of_every_task_loads(task):
    t = tasks.get_task(task)
    text = yaml.safe_load(t.config_path.read_text(encoding="utf-8"))
    assert list(text) == ["profiles"], "config.yaml holds only profiles: defaults are the models'"
    assert {"smoke", "default", "full"} <= set(text["profiles"])
    for profile in text["profiles"]:
        cfg = t.load_config(profile, [])
        assert isinstance(cfg, t.config_class) and to_dict(cfg)["train"]["epochs"] >= 1
    if not text["profiles"]["default"]:  # an empty default profile: the models' defaults
        assert t.load_config("default", []) == t.config_class()


@pytest.mark.parametrize("task", TASKS)
def test_config_source_names_match_ingest(task):
    config = importlib.import_module(f"pipelines.{task}.config")
    ingest = importlib.import_module(f"pipelines.{task}.ingest")
    assert config.SOURCES == ingest.SOURCES
    if task == "translate":
        assert config.PAIR_LANGUAGES == {n: s.languages for n, s in ingest.PAIR_SOURCES.items()}


def test_cell_names_match_the_registry():
    from rnnkit.models import registry
    from rnnkit.names import RECURRENT_NAMES

    assert registry.RECURRENT_NAMES == RECURRENT_NAMES == tuple(registry._FACTORIES)


def test_config_modules_do_not_import_keras():
    code = (
        "import sys, types\n"
        "for t in ('forecast', 'speech', 'sentiment', 'translate'):\n"
        "    pkg = types.ModuleType('pipelines.' + t); pkg.__path__ = ['pipelines/' + t]\n"
        "    sys.modules['pipelines.' + t] = pkg  # the package __init__ imports the stages\n"
        "    __import__('pipelines.' + t + '.config')\n"
        "heavy = [m for m in ('keras', 'tensorflow', 'jax', 'torch', 'pandas') "
        "if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=_repo_root())


def test_run_with_a_bad_value_exits_1_and_starts_no_mlflow_run(task_store):
    from pipelines.cli import app

    client = task_store("forecast")
    experiment = client.get_experiment_by_name("rnnkit-forecast")
    result = CliRunner().invoke(app, ["run", "forecast", "train.epochs=0"])
    assert result.exit_code == 1, (result.stdout, result.stderr)
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("rnnkit: error: ")
    for part in ("train.epochs", "an integer >= 1", "received 0",
                 "from override 'train.epochs=0'"):
        assert part in message, (part, message)
    assert "Traceback" not in result.stderr + result.stdout
    assert client.search_runs([experiment.experiment_id]) == []


def test_a_profile_value_out_of_range_names_the_profile(tmp_path):
    from pipelines.forecast.config import ForecastConfig

    path = tmp_path / "config.yaml"
    path.write_text("profiles:\n  quick:\n    train: {batch_size: 0}\n", encoding="utf-8")
    load_config(ForecastConfig, path)  # only the overlay is bad
    with pytest.raises(ConfigError, match=r"'train.batch_size' must be an integer >= 1; "
                                          r"received 0 \(from .*config.yaml, profile 'quick'\)"):
        load_config(ForecastConfig, path, "quick")


def _repo_root():
    from pathlib import Path

    import pipelines

    return Path(pipelines.__file__).resolve().parent.parent


@pytest.mark.parametrize(("task", "overrides", "expected"), [
    ("forecast", ["model.cell=skip_delay", "model.cell_args.delays=[1, 4]"], {"delays": [1, 4]}),
    ("sentiment", ["model.cell=leaky", "model.cell_args.alpha=0.5"], {"alpha": 0.5}),
    ("speech", ["model.cell=multiscale", "model.cell_args.periods=[1, 2]"], {"periods": [1, 2]}),
    ("translate", ["model.cell=stacked", "model.cell_args.inner_cell=lstm",
                   "model.cell_args.num_layers=3"], {"inner_cell": "lstm", "num_layers": 3}),
])
def test_cell_arguments_from_the_command_line(task, overrides, expected):
    from pipelines.core.config import flatten

    cfg = tasks.get_task(task).load_config("smoke", overrides)
    assert cfg.model.cell_args == expected
    params = flatten(cfg)  # logged as MLflow params, one per argument
    assert all(f"model.cell_args.{k}" in params for k in expected)


@pytest.mark.parametrize(("overrides", "parts"), [
    (["model.cell=leaky", "model.cell_args.alfa=0.5"],
     ["Cell 'leaky' takes no argument 'alfa'", "it accepts: alpha, tau_range, learn_alpha"]),
    (["model.cell=leaky", "model.cell_args.alpha=5"],
     ["Cell 'leaky' refuses these arguments", "alpha=5"]),
    (["model.cell=stacked", "model.cell_args.inner_cell=stacked"],
     ["inner cell of a stack cannot be 'stacked'"]),
])
def test_bad_cell_arguments_are_config_errors_before_any_run(overrides, parts, task_store):
    from typer.testing import CliRunner

    from pipelines.cli import app

    client = task_store("forecast")
    result = CliRunner().invoke(app, ["run", "forecast", "--profile", "smoke", *overrides])
    assert result.exit_code == 1
    for part in parts:
        assert part in result.stderr, result.stderr
    experiment = client.get_experiment_by_name("rnnkit-forecast")
    assert client.search_runs([experiment.experiment_id]) == []  # no run was started
