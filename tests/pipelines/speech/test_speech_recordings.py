"""Real recordings: wavs at 8-48 kHz, stereo, 8/16/24-bit PCM or float, with long silence
or inside a 10 s clip, become the model input training made of the original recording;
a clip at 96 kHz or 20 s long is refused with an error naming it."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import soundfile

from audio_testing import FSDD, FSDD_SMOKE_GROUP, write_tone
from pipelines.core.config import build_config
from pipelines.core.serving import task_model
from pipelines.speech.audio import SpeechDataError, check_clip, load
from pipelines.speech.config import FeaturizeConfig
from pipelines.speech.featurize import featurize
from pipelines.speech.featurizer import LogMelFeaturizer
from pipelines.speech.ingest import ingest
from pipelines.speech.serving import SpeechModel
from pipelines.speech.train import build_model

ORIGINALS = ("6_jackson_0.wav", "8_lucas_2.wav")  # test takes, 0.72-0.8 peak (8-bit keeps them)
RATES = (8000, 16000, 22050, 44100, 48000)
SUBTYPES = ("PCM_U8", "PCM_16", "PCM_24", "FLOAT")
PAD_S = 3.0
NOISE = 1e-3  # std of the 10 s clip's background: ~58 dB below these recordings' peaks


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


def test_older_featurizer_formats_keep_cutting_as_their_models_were_trained(tmp_path):
    new = LogMelFeaturizer.from_config(FeaturizeConfig(), ["a", "b"])
    new.fit([new.logmel(np.random.default_rng(0).normal(0, 0.1, 4000).astype("float32"))])
    saved = json.loads(new.save(tmp_path / "new.json").read_text())
    assert saved["format"] == "rnnkit-speech-featurizer/4" and saved["locate_samples"] == 8000
    assert saved["floor_db"] == 40.0 and saved["test_time_copies"] == 16
    old = {k: v for k, v in saved.items() if k not in (
        "trim_samples", "locate_samples", "floor_db", "test_time_copies", "augmentation")}
    clip = np.random.default_rng(1).normal(0, 0.05, 80000).astype("float32")
    for tag in ({"format": "rnnkit-speech-featurizer/1"}, {}):  # tagged, and untagged
        (tmp_path / "old.json").write_text(json.dumps({**old, **tag}))
        loaded = LogMelFeaturizer.load(tmp_path / "old.json")
        assert (loaded.trim_samples, loaded.locate_samples, loaded.floor_db) == (False, None, None)
        assert len(loaded.transform(clip)) == loaded.max_frames  # cut at max_frames
    assert 90 < len(LogMelFeaturizer.load(tmp_path / "new.json").transform(clip)) <= 101  # 1 s
    format_3 = {**{k: v for k, v in saved.items() if k not in ("test_time_copies", "augmentation")},
                "format": "rnnkit-speech-featurizer/3"}  # before test-time copies
    (tmp_path / "format3.json").write_text(json.dumps(format_3))
    loaded = LogMelFeaturizer.load(tmp_path / "format3.json")
    assert loaded.test_time_copies == 0 and loaded.floor_db == 40.0
    [alone] = loaded.versions(clip)
    np.testing.assert_array_equal(alone, new.transform(clip))
    format_2 = {**{k: v for k, v in format_3.items() if k != "floor_db"},
                "format": "rnnkit-speech-featurizer/2"}  # before the floor
    (tmp_path / "format2.json").write_text(json.dumps(format_2))
    loaded = LogMelFeaturizer.load(tmp_path / "format2.json")
    assert loaded.floor_db is None and loaded.locate_samples == 8000
    unfloored = LogMelFeaturizer(**{**new.to_dict(), "floor_db": None})
    t = np.arange(4000) / 8000
    swell = (0.3 * np.sin(2 * np.pi * 500 * t) * np.hanning(4000)).astype("float32")
    np.testing.assert_array_equal(loaded.transform(swell), unfloored.transform(swell))
    assert np.abs(new.transform(swell) - loaded.transform(swell)).max() > 0.1  # floored
    (tmp_path / "other.json").write_text(json.dumps({**old, "format": "rnnkit-vocab/1"}))
    with pytest.raises(ValueError, match="Not a LogMelFeaturizer file"):
        LogMelFeaturizer.load(tmp_path / "other.json")


def test_locate_ms_must_fit_the_frames_the_model_reads():
    from pipelines.core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"locate_ms must be null or in \[window_ms = 25, "
                                          r"max_frames \* hop_ms = 500\]; received 800"):
        build_config(FeaturizeConfig, {"max_frames": 50, "locate_ms": 800})
    assert build_config(FeaturizeConfig, {"max_frames": 50, "locate_ms": None}).locate_ms is None


# --- the limits ---------------------------------------------------------------------------
def test_a_96khz_or_20s_clip_gets_an_error_naming_it(wav_folder, tiny_cfg, tmp_path):
    cfg = tiny_cfg(f"folder:{wav_folder}")
    featurizer = featurize(cfg, ingest(cfg)).featurizers["official"]
    model = SpeechModel.from_objects(
        build_model(cfg, len(featurizer.labels), featurizer.n_features), featurizer=featurizer)
    fast, long, good = tmp_path / "fast.wav", tmp_path / "long.wav", tmp_path / "good.wav"
    write_tone(fast, rate=96000)
    soundfile.write(long, np.zeros(20 * 8000, "float32"), 8000)
    write_tone(good, rate=48000, seconds=10.0)  # the limits themselves are fine
    answers = model.predict(None, pd.DataFrame({"path": [str(fast), str(long), str(good)]}))
    assert answers[0]["error"].startswith(f"{fast}: sample rate 96,000 Hz is outside "
                                          "8,000-48,000 Hz"), answers[0]
    assert answers[1]["error"].startswith(f"{long}: 20.0 s long, over the 10 s limit"), answers[1]
    assert "label" in answers[2]
    rows = model.predict(None, pd.DataFrame({"audio": [[0.1] * 8000, [0.1] * 800],
                                             "sample_rate": [4000, 8000]}))
    assert rows[0]["error"].startswith("row 1: sample rate 4,000 Hz is outside")
    assert "label" in rows[1]
    with pytest.raises(SpeechDataError, match="10.0 s long"):
        check_clip(80001, 8000)


# --- FSDD recordings through a smoke-trained model and the command line -------------------
def resampled(x: np.ndarray, rate: int) -> np.ndarray:
    import librosa

    return x if rate == 8000 else librosa.resample(x, orig_sr=8000, target_sr=rate)


def variants(x: np.ndarray, seed: int = 0) -> dict[str, tuple[np.ndarray, int, str]]:
    """name -> (samples, rate, subtype): every rate x subtype with 3 s of silence each
    side, stereo, and 10 s clips with the digit off-centre in low noise."""
    out = {}
    for rate in RATES:
        y = resampled(x, rate)
        pad = np.zeros(round(PAD_S * rate), dtype="float32")
        for subtype in SUBTYPES:
            out[f"{rate}_{subtype}_padded"] = np.concatenate([pad, y, pad]), rate, subtype
    for rate, subtype in ((16000, "PCM_16"), (44100, "FLOAT")):
        y = resampled(x, rate)
        out[f"{rate}_{subtype}_stereo"] = np.stack([y, y], axis=1), rate, subtype
    rng = np.random.default_rng(seed)
    for rate, subtype in ((8000, "PCM_16"), (48000, "PCM_24")):
        y = resampled(x, rate)
        clip = rng.normal(0.0, NOISE, round(10.0 * rate)).astype("float32")
        start = len(clip) // 2 - len(y) // 2 + 37  # not on the 10 ms frame grid
        clip[start : start + len(y)] += y
        out[f"{rate}_{subtype}_10s_noise"] = clip, rate, subtype
    return out


def aligned_gap(a: np.ndarray, b: np.ndarray, max_lag: int = 2) -> tuple[float, int]:
    """Mean |a - b| of two frame sequences at their best offset (up to `max_lag` frames),
    over the frames they share, and the difference in their numbers of frames."""
    gaps = []
    for lag in range(-max_lag, max_lag + 1):
        x, y = (a[lag:], b) if lag >= 0 else (a, b[-lag:])
        n = min(len(x), len(y))
        gaps.append(float(np.abs(x[:n] - y[:n]).mean()))
    return min(gaps), len(a) - len(b)


def extract(name: str, folder: Path) -> Path:
    with tarfile.open(FSDD) as archive:
        data = archive.extractfile(f"recordings/{name}").read()
    (folder / name).write_bytes(data)
    return folder / name


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    """name -> path: each original FSDD recording and its variants, written by soundfile."""
    if not FSDD.exists():
        pytest.skip(f"data home lacks {FSDD}")
    folder = tmp_path_factory.mktemp("recordings")
    paths = {}
    for original in ORIGINALS:
        paths[original] = extract(original, folder)
        x, rate = soundfile.read(paths[original], dtype="float32")
        assert rate == 8000
        for name, (samples, rate, subtype) in variants(x).items():
            paths[f"{original}:{name}"] = folder / f"{Path(original).stem}_{name}.wav"
            soundfile.write(paths[f"{original}:{name}"], samples, rate, subtype=subtype)
    return paths


@pytest.mark.dataset
@pytest.mark.xdist_group(FSDD_SMOKE_GROUP)
def test_recordings_become_the_input_training_made_of_the_original(recordings, fsdd_smoke):
    featurizer = task_model(mlflow.pyfunc.load_model(fsdd_smoke.model_uri)).featurizer
    model = SpeechModel.from_objects(None, featurizer=featurizer)
    gaps = {}
    for original in ORIGINALS:
        data = recordings[original].read_bytes()  # as ingest reads the archive
        want = featurizer.normalize(featurizer.logmel(load(data, original, 8000)[0]))
        for key, path in recordings.items():
            if key.startswith(f"{original}:"):
                got = model.prepare({"path": str(path)}, 1, {})[0]  # the clip, not its copies
                gaps[key] = aligned_gap(got, want)
    for key, (gap, extra_frames) in gaps.items():  # shown with -s
        print(f"{key:40s} mean |diff| {gap:.4f}  frames {extra_frames:+d}")
    # Frames are in the model's units (per-clip standardised MFCCs and deltas, so about
    # unit spread): a resampled recording differs by its filters' few per cent of that
    for key, (gap, extra_frames) in gaps.items():
        lossy = "PCM_U8" in key or "noise" in key
        assert abs(extra_frames) <= (2 if lossy else 0), (key, extra_frames)
        if lossy:
            assert gap < 0.5, (key, gap)
        elif ":8000_" in key:  # the training rate, another encoding: the same frames
            assert gap < 1e-3, (key, gap)
        else:
            assert gap < 0.1, (key, gap)


@pytest.mark.dataset
@pytest.mark.xdist_group(FSDD_SMOKE_GROUP)
def test_cli_predicts_every_variant_as_its_original(recordings, fsdd_smoke, tmp_path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    fast, long = tmp_path / "fast.wav", tmp_path / "long.wav"
    x, _ = soundfile.read(recordings[ORIGINALS[0]], dtype="float32")
    soundfile.write(fast, resampled(x, 96000), 96000)
    soundfile.write(long, np.concatenate([np.zeros(80000, "float32"), x,
                                          np.zeros(80000, "float32")]), 8000)
    paths = [str(p) for p in recordings.values()] + [str(fast), str(long)]
    cli = CliRunner().invoke(app, ["predict", "speech", *paths, "--json", "--model",
                                   fsdd_smoke.model_uri])
    assert cli.exit_code == 1, cli.output
    printed = {p["input"]: p for p in json.loads(cli.stdout.strip().splitlines()[-1])}
    assert f"2 of {len(paths)} inputs failed" in cli.stderr
    assert f"({fast})" in cli.stderr and f"({long})" in cli.stderr
    assert "sample rate 96,000 Hz is outside 8,000-48,000 Hz" in printed[str(fast)]["error"]
    assert "over the 10 s limit" in printed[str(long)]["error"]
    for original in ORIGINALS:
        want = printed[str(recordings[original])]
        print(original, want["label"], round(max(want["probabilities"].values()), 3))
        for key, path in recordings.items():
            if key.startswith(f"{original}:"):
                got = printed[str(path)]
                assert got["label"] == want["label"], (key, got, want)
