"""featurize: log-mel frames of every clip (+ augmented copies of training clips, and the
test-time copies of test clips), folds, fitted featurizers.

Frames here are utterance-normalised but not yet scaled by train statistics: each
fold's `LogMelFeaturizer` is fitted on that fold's training clips (originals only),
and the datasets scale batches with it, so no fold sees its test speaker's statistics.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from pipelines.speech.augment import Perturbation, augmented_frames
from pipelines.speech.config import SpeechConfig
from pipelines.speech.featurizer import LogMelFeaturizer
from pipelines.speech.raw import SpeechRaw
from pipelines.speech.splits import Fold, make_folds

log = logging.getLogger(__name__)


@dataclass
class SpeechFeatures:
    """`versions[i][0]`: clip i's frames; `versions[i][1:]`: its augmented copies (training
    clips); `test_time[i]`: its test-time copies (test clips, `test_time_copies` > 0)."""

    labels: list[str]
    y: np.ndarray
    names: list[str]
    speakers: list[str | None]
    versions: list[list[np.ndarray]]
    folds: list[Fold]
    featurizers: dict[str, LogMelFeaturizer]
    dataset: str = ""
    bad: list[str] = field(default_factory=list)
    resampled: int = 0
    example_audio: np.ndarray | None = None
    pooled: np.ndarray | None = None  # per clip: mean and std of its raw log-mel channels
    test_time: dict[int, list[np.ndarray]] = field(default_factory=dict)

    def scaled(self, fold: Fold, rows) -> list[np.ndarray]:
        """Model frames (train-normalised) of the originals of `rows`."""
        featurizer = self.featurizers[fold.name]
        return [featurizer.normalize(self.versions[i][0]) for i in rows]

    def test_versions(self, fold: Fold) -> list[list[np.ndarray]]:
        """Per test clip of `fold`: model frames of the clip, then of its test-time copies
        (what the served model averages over, `LogMelFeaturizer.versions`)."""
        featurizer = self.featurizers[fold.name]
        return [[featurizer.normalize(f) for f in (self.versions[i][0], *self.test_time.get(i, []))]
                for i in fold.test]


def augmented_copies(f, training_clips: int) -> int:
    """Copies per training clip: `augment_copies`, fewer where `augment_budget` caps the
    total (a large source needs the copies least and would pay the most for them)."""
    if f.augment_budget is None or not training_clips:
        return f.augment_copies
    copies = min(f.augment_copies, f.augment_budget // training_clips)
    if copies < f.augment_copies:
        log.warning("%d augmented copies per training clip, not %d: %d training clips "
                    "and featurize.augment_budget=%d", copies, f.augment_copies,
                    training_clips, f.augment_budget)
    return copies


def featurize(cfg: SpeechConfig, raw: SpeechRaw) -> SpeechFeatures:
    f = cfg.featurize
    labels = raw.labels
    if len(labels) < 2:
        from pipelines.speech.audio import SpeechDataError

        raise SpeechDataError(f"Need 2+ classes to train a classifier; found {labels}.")
    ids = {name: i for i, name in enumerate(labels)}
    folds = make_folds(raw.clips, cfg.data)
    template = LogMelFeaturizer.from_config(f, labels)
    in_train = np.zeros(len(raw.clips), dtype=bool)
    in_test = np.zeros(len(raw.clips), dtype=bool)
    for fold in folds:
        in_train[fold.train] = True
        in_test[fold.test] = True

    copies = augmented_copies(f, int(in_train.sum()))
    if not copies and template.test_time_copies:
        # a model that never saw a perturbed clip is only confused by perturbed copies
        log.info("No test-time copies: the model trains on no augmented copies.")
        template.test_time_copies = 0
    rng = np.random.default_rng(cfg.data.seed)
    settings = Perturbation.from_config(f)
    versions, pooled, test_time = [], [], {}
    for i, clip in enumerate(tqdm(raw.clips, desc="log-mel", unit="clip", disable=None,
                                  leave=False)):
        audio = template.segment(clip.audio)  # as serving cuts it
        raw_frames = template.raw_logmel(audio, trimmed=True)
        pooled.append(np.concatenate([raw_frames.mean(axis=0), raw_frames.std(axis=0)]))
        frames = [template.from_logmel(raw_frames)]
        if in_train[i]:
            frames += [augmented_frames(template, audio, settings, rng) for _ in range(copies)]
        if in_test[i] and template.test_time_copies:
            test_time[i] = template.test_time_copies_of(audio)
        versions.append(frames)

    featurizers = {}
    for fold in folds:
        featurizers[fold.name] = copy.deepcopy(template).fit(
            [versions[i][0] for i in fold.train])
    example = raw.clips[folds[0].test[0]].audio
    return SpeechFeatures(
        labels=labels, y=np.array([ids[c.label] for c in raw.clips], dtype="int32"),
        names=[c.name for c in raw.clips], speakers=[c.speaker for c in raw.clips],
        versions=versions, folds=folds, featurizers=featurizers,
        dataset=raw.provenance.source, bad=list(raw.bad), resampled=raw.resampled,
        example_audio=example, pooled=np.stack(pooled), test_time=test_time,
    )
