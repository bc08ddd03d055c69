"""train: one classifier per fold (Adam, sparse cross-entropy, early stopping on val);
with `train.ensemble = M`, M members per fold from seeds `seed … seed + M - 1`, served
as one model averaging their probabilities (`rnnkit.models.average_models`)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import keras

from pipelines.core.training import CLASSIFIER_COMPILE, adam, fit
from pipelines.core.training import Trained as FoldModel
from pipelines.speech.config import SpeechConfig
from pipelines.speech.dataset import FrameDataset
from pipelines.speech.featurize import SpeechFeatures
from rnnkit.models import build_classifier
from rnnkit.models.ensemble import average_models

MEMBER_NAME = "member_{}"  # an ensemble's members, by index


@dataclass
class Trained:
    folds: dict[str, FoldModel] = field(default_factory=dict)

    @property
    def first_members(self) -> dict[str, keras.Model]:
        """With `train.ensemble > 1`: each fold's first member alone (a layer of the
        averaged model), to measure what the ensemble adds."""
        first = MEMBER_NAME.format(0)
        return {name: fold.model.get_layer(first) for name, fold in self.folds.items()
                if any(layer.name == first for layer in fold.model.layers)}

    @property
    def seconds(self) -> float:
        return sum(f.seconds for f in self.folds.values())


def build_model(cfg: SpeechConfig, num_classes: int, input_dim: int,
                name: str = "classifier") -> keras.Model:
    m = cfg.model
    model = build_classifier(num_classes, input_dim=input_dim, cell=m.cell,
                             units=m.units, bidirectional=m.bidirectional, pooling=m.pooling,
                             dropout=m.dropout, conv_filters=tuple(m.conv_filters),
                             name=name, **m.cell_args)
    model.compile(optimizer=adam(cfg.train), **CLASSIFIER_COMPILE)
    return model


def train(cfg: SpeechConfig, features: SpeechFeatures) -> Trained:
    t = cfg.train
    trained = Trained()
    several = len(features.folds) > 1
    for fold in features.folds:
        featurizer = features.featurizers[fold.name]
        if several:
            print(f"fold {fold.name}: {len(fold.train)} train, {len(fold.val)} val, "
                  f"{len(fold.test)} test clips", file=sys.stderr)
        members = []
        for member in range(t.ensemble):
            seed = t.seed + member
            keras.utils.set_random_seed(seed)
            data = FrameDataset([features.versions[i] for i in fold.train],
                                features.y[fold.train], t.batch_size, shuffle=True, seed=seed,
                                augment=cfg.featurize, featurizer=featurizer)
            val = FrameDataset([[features.versions[i][0]] for i in fold.val],
                               features.y[fold.val], t.batch_size, featurizer=featurizer)
            model = build_model(cfg, len(features.labels), featurizer.n_features,
                                name=MEMBER_NAME.format(member) if t.ensemble > 1 else "classifier")
            prefix = (f"{fold.name}/" if several else "") + (
                MEMBER_NAME.format(member) + "/" if t.ensemble > 1 else "")
            members.append(fit(model, data, val, epochs=t.epochs, patience=t.patience,
                               metric_prefix=prefix))
        trained.folds[fold.name] = ensemble_of(members)
    return trained


def ensemble_of(members: list[FoldModel]) -> FoldModel:
    """One fold's members as one trained model: their average, the first member's
    history, their summed time and epochs."""
    if len(members) == 1:
        return members[0]
    return FoldModel(average_models([m.model for m in members], name="classifier"),
                     members[0].history, sum(m.seconds for m in members),
                     sum(m.epochs_run for m in members), members[0].best_epoch)
