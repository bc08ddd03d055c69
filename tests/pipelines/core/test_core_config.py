"""Config loading: YAML base + profile overlay + key=value overrides, and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
import yaml

from pipelines.core.config import build_config, flatten, load_config, to_yaml
from pipelines.core.errors import ConfigError, RnnkitUserError


@dataclass
class Data:
    source: str = "seattle-weather"
    target: str = "temp_max"
    features: list[str] = field(default_factory=list)
    series_column: str | None = None
    path: Path | None = None


@dataclass
class Model:
    cell: Literal["gru", "lstm", "leaky"] = "gru"
    units: int = 32
    dropout: float = 0.0
    deep_output: bool = False
    layer_sizes: tuple[int, ...] = (32,)


@dataclass
class Train:
    epochs: int = 10
    learning_rate: float = 1e-3
    window: tuple[int, int] = (24, 6)

    def __post_init__(self):
        if self.epochs < 1:
            raise ValueError(f"epochs must be >= 1. Received: epochs={self.epochs}")


@dataclass
class Cfg:
    seed: int = 0
    data: Data = field(default_factory=Data)
    model: Model = field(default_factory=Model)
    train: Train = field(default_factory=Train)


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
    assert cfg.data.target == "temp_max"  # dataclass default where YAML is silent
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
        ("train.epochs=five", ["train.epochs", "'five'", "an integer"]),
        ("train.epochs=2.5", ["train.epochs", "'2.5'", "an integer"]),
        (
            "model.cell=transformer",
            ["model.cell", "'transformer'", "one of 'gru', 'lstm', 'leaky'"],
        ),
        ("model.deep_output=maybe", ["model.deep_output", "'maybe'", "true or false"]),
        ("train.learning_rate=fast", ["train.learning_rate", "'fast'", "a number"]),
        ("model.layer_sizes=[8, x]", ["model.layer_sizes[1] is not an integer", "[8, x]"]),
        ("train.window=[1, 2, 3]", ["train.window", "a list of 2 items"]),
        ("data.features=wind", ["data.features", "'wind'", "a list"]),
        ("train.epochs.x=1", ["train.epochs", "not a section"]),
        ("train.epochs=0", ["train", "epochs=0"]),
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


@dataclass
class Extra:
    note: str = ""


@dataclass
class WithOptional:
    extra: Extra | None = None
    train: Train = field(default_factory=Train)


def test_empty_section_and_optional_section(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("train:\nextra: null\n", encoding="utf-8")
    cfg = load_config(WithOptional, p)
    assert cfg.extra is None and cfg.train == Train()
    cfg = load_config(WithOptional, p, overrides=["extra.note=hi"])
    assert cfg.extra == Extra(note="hi")


@pytest.mark.parametrize(("task", "data", "message"), [
    ("sentiment", {"featurize": {"test_fraction": 1.0}},
     r"section 'featurize': test_fraction must be in \(0, 1\). Received: 1.0"),
    ("sentiment", {"featurize": {"head_fraction": -0.1}},
     r"section 'featurize': head_fraction must be in \[0, 1\]. Received: -0.1"),
    ("translate", {"featurize": {"target_vocab_size": 4}},
     r"section 'featurize': target_vocab_size must be at least 5. Received: 4"),
    ("translate", {"evaluate": {"beam": 0}},
     r"section 'evaluate': beam must be at least 1. Received: 0"),
])
def test_task_sections_validate_their_ranges(task, data, message):
    import importlib

    module = importlib.import_module(f"pipelines.{task}.config")
    config_cls = getattr(module, f"{task.capitalize()}Config")
    build_config(config_cls, {})  # the defaults are valid
    with pytest.raises(ConfigError, match=message):
        build_config(config_cls, data)
