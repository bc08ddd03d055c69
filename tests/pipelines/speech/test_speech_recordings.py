"""Real recordings: the cut of silence and the locating of a word in a long clip, the
same in training and serving, and saved with the featurizer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio_testing import write_tone
from pipelines.core.config import build_config
from pipelines.speech.audio import load
from pipelines.speech.config import FeaturizeConfig
from pipelines.speech.featurize import featurize
from pipelines.speech.featurizer import LogMelFeaturizer
from pipelines.speech.ingest import ingest


# --- the cut: one function in training and serving, saved with the featurizer ----------
def test_featurize_and_serving_cut_long_padded_clips_alike(tmp_path, tiny_cfg):
    root = tmp_path / "wavs"
    for c, (label, hz) in enumerate({"low": 300.0, "high": 1200.0}.items()):
        for s, speaker in enumerate(("ann", "bob", "cy")):
            for take in range(4):
                path = write_tone(root / label / f"{label}_{speaker}_{take}.wav", hz * (1 + s / 20),
                                  seconds=0.3 + 0.3 * take, seed=100 * c + 10 * s + take)
                audio, rate = soundfile.read(path, dtype="float32")
                pad = np.zeros(rate * take // 2, dtype="float32")  # 0 to 1.5 s of silence
                soundfile.write(path, np.concatenate([pad, audio, pad]), rate)
    cfg = tiny_cfg(f"folder:{root}", data={"split": "speaker"})
    raw = ingest(cfg)
    features = featurize(cfg, raw)
    featurizer = features.featurizers[features.folds[0].name]
    assert featurizer.trim_samples and featurizer.locate_samples == 8000
    located = 0
    for clip, versions in zip(raw.clips, features.versions, strict=True):
        served, _ = load(Path(clip.name), clip.name, featurizer.sample_rate)
        np.testing.assert_array_equal(versions[0], featurizer.logmel(served))
        located += len(featurizer.trim(served)) > featurizer.locate_samples
    assert located >= 6  # the 1.2 s tones are located, in featurize as in serving


def test_silence_padding_of_any_length_gives_the_same_frames():
    featurizer = LogMelFeaturizer.from_config(FeaturizeConfig(), ["a"])
    rng = np.random.default_rng(0)
    t = np.arange(3000) / 8000
    word = (0.5 * np.sin(2 * np.pi * 440 * t) * np.hanning(len(t))).astype("float32")
    word += rng.normal(0, 1e-4, len(t)).astype("float32")
    want = featurizer.logmel(word)
    for before, after in ((0, 0), (1, 0), (37, 250), (24000, 24000), (12345, 3)):
        padded = np.concatenate([np.zeros(before, "float32"), word, np.zeros(after, "float32")])
        np.testing.assert_array_equal(featurizer.logmel(padded), want, err_msg=str((before, after)))


def test_a_long_noisy_clip_is_located_not_cut_at_its_start():
    featurizer = LogMelFeaturizer.from_config(FeaturizeConfig(), ["a"])
    rng = np.random.default_rng(0)
    clip = rng.normal(0, 0.02, 80000).astype("float32")  # 10 s, noise above the trim level
    t = np.arange(3200) / 8000
    start = 61_234
    clip[start : start + len(t)] += (0.5 * np.sin(2 * np.pi * 600 * t)).astype("float32")
    cut = featurizer.segment(clip)
    assert len(cut) <= featurizer.locate_samples
    where = next(int(i) for i in np.flatnonzero(clip == cut[0])
                 if np.array_equal(clip[i : i + len(cut)], cut))
    assert where <= start and start + len(t) <= where + len(cut)  # the tone is inside
    assert len(featurizer.logmel(clip)) == len(cut) // featurizer.hop_length + 1


def test_format_1_featurizers_keep_cutting_as_their_models_were_trained(tmp_path):
    new = LogMelFeaturizer.from_config(FeaturizeConfig(), ["a", "b"])
    new.fit([new.logmel(np.random.default_rng(0).normal(0, 0.1, 4000).astype("float32"))])
    saved = json.loads(new.save(tmp_path / "new.json").read_text())
    assert saved["format"] == "rnnkit-speech-featurizer/2" and saved["locate_samples"] == 8000
    old = {k: v for k, v in saved.items() if k not in ("trim_samples", "locate_samples")}
    clip = np.random.default_rng(1).normal(0, 0.05, 80000).astype("float32")
    for tag in ({"format": "rnnkit-speech-featurizer/1"}, {}):  # tagged, and untagged
        (tmp_path / "old.json").write_text(json.dumps({**old, **tag}))
        loaded = LogMelFeaturizer.load(tmp_path / "old.json")
        assert (loaded.trim_samples, loaded.locate_samples) == (False, None)
        assert len(loaded.transform(clip)) == loaded.max_frames  # cut at max_frames
    assert 90 < len(LogMelFeaturizer.load(tmp_path / "new.json").transform(clip)) <= 101  # 1 s
    (tmp_path / "other.json").write_text(json.dumps({**old, "format": "rnnkit-vocab/1"}))
    with pytest.raises(ValueError, match="Not a LogMelFeaturizer file"):
        LogMelFeaturizer.load(tmp_path / "other.json")


def test_locate_ms_must_fit_the_frames_the_model_reads():
    from pipelines.core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"locate_ms must be null or in \[window_ms = 25, "
                                          r"max_frames \* hop_ms = 500\]; received 800"):
        build_config(FeaturizeConfig, {"max_frames": 50, "locate_ms": 800})
    assert build_config(FeaturizeConfig, {"max_frames": 50, "locate_ms": None}).locate_ms is None
