"""The toy task's config: every default and range here, profiles in config.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipelines.core.config import ConfigModel, Fraction, LearningRate, PositiveInt, Seed


class DataConfig(ConfigModel):
    """Random digit sequences: `examples` of `length` digits from 0 to `digits - 1`."""

    source: Literal["digits"] = "digits"
    length: int = Field(default=5, ge=2, le=20)
    digits: int = Field(default=10, ge=2, le=10)
    examples: PositiveInt = 3000
    seed: Seed = 0


class FeaturizeConfig(ConfigModel):
    test_fraction: Fraction = 0.2
    val_fraction: Fraction = 0.1


class ModelConfig(ConfigModel):
    cell: Literal["gru", "lstm", "simple", "elman", "leaky"] = "gru"
    units: PositiveInt = 32


class TrainConfig(ConfigModel):
    epochs: PositiveInt = 8
    batch_size: PositiveInt = 64
    learning_rate: LearningRate = 0.01
    patience: int = Field(default=3, ge=0)
    seed: Seed = 0


class ReverseConfig(ConfigModel):
    data: DataConfig = Field(default_factory=DataConfig)
    featurize: FeaturizeConfig = Field(default_factory=FeaturizeConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
