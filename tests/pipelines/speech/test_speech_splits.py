"""Speech splits: the official FSDD split and leave-one-speaker-out folds."""

import numpy as np
import pytest

from pipelines.core.config import build_config
from pipelines.core.errors import ConfigError
from pipelines.speech.audio import SpeechDataError
from pipelines.speech.config import DataConfig
from pipelines.speech.raw import Clip, parse_fsdd_name
from pipelines.speech.splits import make_folds

SPEAKERS = ("jackson", "lucas", "theo")


def fsdd_clips(takes=10):
    clips = []
    for digit in range(3):
        for speaker in SPEAKERS:
            for index in range(takes):
                name = f"recordings/{digit}_{speaker}_{index}.wav"
                clips.append(Clip(name, np.zeros(10, "float32"), str(digit), speaker, index,
                                  "test" if index < 5 else "train"))
    return clips


def data(**kw):
    return build_config(DataConfig, kw)


def test_fsdd_names_parse():
    assert parse_fsdd_name("7_theo_49.wav") == ("7", "theo", 49)
    assert parse_fsdd_name("notes.wav") is None


def test_official_split_tests_takes_0_to_4_and_trains_on_the_rest():
    clips = fsdd_clips()
    (fold,) = make_folds(clips, data(split="official", val_fraction=0.2))
    assert fold.name == "official"
    assert {clips[i].index for i in fold.test} == set(range(5))
    assert {clips[i].index for i in np.concatenate([fold.train, fold.val])} == set(range(5, 10))
    assert len(fold.test) == 45 and len(fold.val) == 9 and len(fold.train) == 36
    assert not set(fold.train) & set(fold.val)


def test_official_split_without_source_splits_draws_a_seeded_test_fraction():
    clips = fsdd_clips()
    for c in clips:
        c.split = None
    a = make_folds(clips, data(test_fraction=0.2))[0]
    b = make_folds(clips, data(test_fraction=0.2))[0]
    assert len(a.test) == 18 and np.array_equal(a.test, b.test)
    assert len(set(a.train) | set(a.val) | set(a.test)) == len(clips)


def test_speaker_folds_hold_out_whole_speakers():
    clips = fsdd_clips()
    folds = make_folds(clips, data(split="speaker"))
    assert [f.name for f in folds] == sorted(SPEAKERS)
    for fold in folds:
        assert {clips[i].speaker for i in fold.test} == {fold.name}
        seen = {clips[i].speaker for i in np.concatenate([fold.train, fold.val])}
        assert fold.name not in seen and len(seen) == 2
        assert len(fold.test) == 30 and len(fold.train) + len(fold.val) == 60


def test_one_speaker_fold_and_bad_speaker_requests():
    clips = fsdd_clips()
    (fold,) = make_folds(clips, data(split="speaker", test_speaker="lucas"))
    assert fold.name == "lucas"
    with pytest.raises(ConfigError, match="'george' is not a speaker.*jackson, lucas, theo"):
        make_folds(clips, data(split="speaker", test_speaker="george"))
    clips[0].speaker = None
    with pytest.raises(SpeechDataError, match="needs the speaker of every clip"):
        make_folds(clips, data(split="speaker"))
