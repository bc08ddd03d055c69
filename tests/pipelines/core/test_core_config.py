"""Config loading: YAML base + profile overlay + key=value overrides, and its errors."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
import yaml
from pydantic import Field, model_validator

from pipelines.core.config import (
    ConfigModel,
    PositiveInt,
    broken_rule,
    build_config,
    flatten,
    load_config,
    to_yaml,
)
from pipelines.core.errors import ConfigError, RnnkitUserError


class Data(ConfigModel):
    source: str = "seattle-weather"
    target: str = "temp_max"
    features: list[str] = Field(default_factory=list)
    series_column: str | None = None
    path: Path | None = None


class Model(ConfigModel):
    cell: Literal["gru", "lstm", "leaky"] = "gru"
    units: int = 32
    dropout: float = 0.0
    deep_output: bool = False
    layer_sizes: tuple[int, ...] = (32,)


class Train(ConfigModel):
    epochs: PositiveInt = 10
    learning_rate: float = 1e-3
    window: tuple[int, int] = (24, 6)
    warmup: int = 0

    @model_validator(mode="after")
    def _warmup_fits(self) -> Train:
        if self.warmup >= self.epochs:
            raise broken_rule(f"warmup must be < epochs; received {self.warmup} >= "
                              f"{self.epochs}", "warmup", "epochs")
        return self


class Cfg(ConfigModel):
    seed: int = 0
    data: Data = Field(default_factory=Data)
    model: Model = Field(default_factory=Model)
    train: Train = Field(default_factory=Train)


YAML = """\
seed: 1
data:
  source: seattle-weather
  features: [precipitation, wind]
model:
  cell: gru
  units: 16
train:
  epochs: 20
profiles:
  smoke:
    train: {epochs: 1}
    model: {units: 4}
  default: {}
  full:
    train: {epochs: 100}
"""


@pytest.fixture
def path(tmp_path) -> Path:
    p = tmp_path / "config.yaml"
    p.write_text(YAML, encoding="utf-8")
    return p


def test_base_and_profiles(path):
    cfg = load_config(Cfg, path)
    assert cfg.seed == 1 and cfg.train.epochs == 20 and cfg.model.units == 16
    assert cfg.data.features == ["precipitation", "wind"]
    assert cfg.data.target == "temp_max"  # the model's default where YAML is silent
    smoke = load_config(Cfg, path, profile="smoke")
    assert smoke.train.epochs == 1 and smoke.model.units == 4 and smoke.model.cell == "gru"
    assert load_config(Cfg, path, profile="full").train.epochs == 100


def test_overrides_are_typed(path):
    cfg = load_config(
        Cfg,
        path,
        "smoke",
        [
            "model.cell=leaky",
            "train.epochs=5",
            "train.learning_rate=1e-2",
            "model.dropout=0",
            "model.deep_output=true",
            "data.features=[a, b]",
            "model.layer_sizes=[8, 4]",
            "data.target=2024",
            "data.series_column=null",
            "data.source=csv:/tmp/x.csv",
            "train.window=[48, 12]",
            "data.path=/tmp/y.csv",
        ],
    )
    assert cfg.model.cell == "leaky" and cfg.train.epochs == 5
    assert cfg.train.learning_rate == pytest.approx(0.01)
    assert isinstance(cfg.model.dropout, float)
    assert cfg.model.deep_output is True
    assert cfg.data.features == ["a", "b"]
    assert cfg.model.layer_sizes == (8, 4)
    assert cfg.data.target == "2024"  # a str field keeps the text as typed
    assert cfg.data.series_column is None
    assert cfg.data.source == "csv:/tmp/x.csv"
    assert cfg.train.window == (48, 12)
    assert cfg.data.path == Path("/tmp/y.csv")


def test_override_a_whole_section(path):
    cfg = load_config(Cfg, path, overrides=["train={epochs: 3}"])
    assert cfg.train.epochs == 3 and cfg.train.learning_rate == pytest.approx(1e-3)


@pytest.mark.parametrize(
    "override, must_contain",
    [
        ("model.cel=leaky", ["model.cel", "leaky", "Did you mean 'model.cell'", "units"]),
        ("modle.cell=gru", ["modle", "Did you mean 'model'", "data, model, train"]),
        ("train.epochs=five", ["train.epochs", "'five'", "an integer >= 1"]),
        ("train.epochs=2.5", ["train.epochs", "received 2.5", "an integer",
                              "from override 'train.epochs=2.5'"]),
        ("train.epochs=true", ["train.epochs", "received True", "an integer"]),
        ("model.units='5'", ["model.units", "received '5'", "an integer"]),
        (
            "model.cell=transformer",
            ["model.cell", "'transformer'", "one of 'gru', 'lstm', 'leaky'"],
        ),
        ("model.cell=lstn", ["model.cell", "Did you mean 'lstm'?"]),
        ("model.deep_output=maybe", ["model.deep_output", "'maybe'", "true or false"]),
        ("model.deep_output=1", ["model.deep_output", "received 1", "true or false"]),
        ("train.learning_rate=fast", ["train.learning_rate", "'fast'", "a finite number"]),
        ("train.learning_rate=nan", ["train.learning_rate", "received nan", "finite"]),
        ("train.learning_rate=.inf", ["train.learning_rate", "received inf", "finite"]),
        ("model.layer_sizes=[8, x]", ["model.layer_sizes[1] is not an integer", "[8, x]"]),
        ("train.window=[1, 2, 3]", ["train.window", "a list of 2 items"]),
        ("data.features=wind", ["data.features", "'wind'", "a list"]),
        ("train.epochs.x=1", ["train.epochs", "not a section"]),
        ("train.epochs=0", ["'train.epochs' must be an integer >= 1", "received 0",
                            "(from override 'train.epochs=0')"]),
        ("train.warmup=25", ["Invalid config section 'train'", "warmup must be < epochs",
                             "received 25 >= 20", "train.warmup from override",
                             "train.epochs from "]),
        ("train={epochs: 0}", ["train.epochs", "received 0", "override 'train={epochs: 0}'"]),
        ("train=5", ["'train' must be a section with keys epochs, learning_rate", "received 5"]),
        ("epochs", ["'epochs'", "key=value"]),
    ],
)
def test_override_errors_name_key_value_and_expectation(path, override, must_contain):
    with pytest.raises(ConfigError) as info:
        load_config(Cfg, path, overrides=[override])
    message = str(info.value)
    for part in must_contain:
        assert part in message, (part, message)
    assert isinstance(info.value, RnnkitUserError)


def test_unknown_key_in_yaml_names_file_and_key(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("train:\n  epochz: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(Cfg, p)
    msg = str(info.value)
    assert "train.epochz" in msg and str(p) in msg and "Did you mean 'train.epochs'" in msg


def test_wrong_type_in_profile_names_profile(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("profiles:\n  smoke:\n    model: {units: many}\n", encoding="utf-8")
    load_config(Cfg, p)  # the bad value is only in the smoke overlay
    with pytest.raises(ConfigError) as info:
        load_config(Cfg, p, profile="smoke")
    msg = str(info.value)
    assert "model.units" in msg and "'many'" in msg and "profile 'smoke'" in msg
    # an override replacing the bad value makes it harmless; a later one is named instead
    assert load_config(Cfg, p, "smoke", ["model.units=3"]).model.units == 3
    with pytest.raises(ConfigError, match=r"train.epochs.*received 0 \(from override"):
        load_config(Cfg, p, "smoke", ["model.units=3", "train.epochs=0"])


def test_unknown_profile_lists_profiles(path):
    with pytest.raises(ConfigError) as info:
        load_config(Cfg, path, profile="smok")
    msg = str(info.value)
    assert "'smok'" in msg and "default, full, smoke" in msg and "Did you mean 'smoke'" in msg


def test_invalid_yaml_names_line(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("train:\n  epochs: [1,\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"not valid YAML at line \d+, column \d+"):
        load_config(Cfg, p)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="Cannot read config file"):
        load_config(Cfg, tmp_path / "absent.yaml")


def test_build_config_and_flatten_and_yaml_round_trip(path):
    cfg = load_config(Cfg, path, overrides=["model.layer_sizes=[8, 4]"])
    flat = flatten(cfg)
    assert flat["train.epochs"] == 20 and flat["model.cell"] == "gru"
    assert flat["model.layer_sizes"] == "[8, 4]" and flat["data.series_column"] is None
    assert all(not isinstance(v, dict | list | tuple) for v in flat.values())
    text = to_yaml(cfg)
    assert build_config(Cfg, yaml.safe_load(text)) == cfg
    assert build_config(Cfg, {"train": {"epochs": 1}}).train.epochs == 1


class Extra(ConfigModel):
    note: str = ""


class WithOptional(ConfigModel):
    extra: Extra | None = None
    train: Train = Field(default_factory=Train)


def test_empty_section_and_optional_section(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("train:\nextra: null\n", encoding="utf-8")
    cfg = load_config(WithOptional, p)
    assert cfg.extra is None and cfg.train == Train()
    cfg = load_config(WithOptional, p, overrides=["extra.note=hi"])
    assert cfg.extra == Extra(note="hi")


@pytest.mark.parametrize(("task", "data", "message"), [
    ("sentiment", {"featurize": {"test_fraction": 1.0}},
     r"'featurize.test_fraction' must be a finite number in \(0, 1\); received 1.0"),
    ("sentiment", {"featurize": {"head_fraction": -0.1}},
     r"'featurize.head_fraction' must be a finite number in \[0, 1\]; received -0.1"),
    ("translate", {"featurize": {"target_vocab_size": 4}},
     r"'featurize.target_vocab_size' must be an integer >= 5; received 4"),
    ("translate", {"evaluate": {"beam": 0}},
     r"'evaluate.beam' must be an integer >= 1; received 0"),
])
def test_task_sections_validate_their_ranges(task, data, message):
    import importlib

    module = importlib.import_module(f"pipelines.{task}.config")
    config_cls = getattr(module, f"{task.capitalize()}Config")
    build_config(config_cls, {})  # the defaults are valid
    with pytest.raises(ConfigError, match=message):
        build_config(config_cls, data)


def test_direct_construction_and_assignment_raise_config_errors():
    with pytest.raises(ConfigError, match=r"Config key 'epochs' of Train must be an integer "
                                          r">= 1; received 0\."):
        Train(epochs=0)
    with pytest.raises(ConfigError, match=r"Unknown config key 'epochz'.*Did you mean 'epochs'"):
        Train(epochz=3)
    cfg = build_config(Cfg, {})
    cfg.train.epochs *= 3  # the runner scales batch sizes like this
    assert cfg.train.epochs == 30
    with pytest.raises(ConfigError, match=r"'epochs' of Train must be an integer >= 1; "
                                          r"received 0 \(assigned\)"):
        cfg.train.epochs = 0
    cfg.train.warmup = 5
    with pytest.raises(ConfigError, match="warmup must be < epochs"):
        cfg.train.warmup = 40
    assert cfg.train.warmup == 5  # a refused assignment leaves the old value
    assert cfg.train.epochs == 30


def test_yaml_scalars_read_as_the_field_needs(tmp_path):
    cfg = build_config(Cfg, {"train": {"learning_rate": "1e-3", "window": [48, 12]},
                             "data": {"path": "/tmp/z"}, "model": {"layer_sizes": [4]}})
    assert cfg.train.learning_rate == pytest.approx(1e-3) and cfg.train.window == (48, 12)
    assert cfg.data.path == Path("/tmp/z") and cfg.model.layer_sizes == (4,)
    with pytest.raises(ConfigError, match=r"'data.target' must be a string; received 2024 "
                                          r"\(from mapping\)"):
        build_config(Cfg, {"data": {"target": 2024}})  # only overrides keep the text
    assert load_config(Cfg, _write(tmp_path, "{}"), overrides=["data.target=2024"]
                       ).data.target == "2024"


def _write(tmp_path, text: str) -> Path:
    p = tmp_path / "c.yaml"
    p.write_text(text, encoding="utf-8")
    return p
