"""Speech featurize: log-mel frames, the JSON featurizer, augmentation, bucketed batches."""

import numpy as np
import pytest

from pipelines.core.config import build_config
from pipelines.core.errors import ConfigError
from pipelines.speech.augment import perturb, spec_augment
from pipelines.speech.config import FeaturizeConfig
from pipelines.speech.dataset import PAD_MULTIPLE, FrameDataset
from pipelines.speech.featurize import featurize
from pipelines.speech.featurizer import LogMelFeaturizer
from pipelines.speech.ingest import ingest


def tone(seconds=0.5, hz=500.0, rate=8000, seed=0):
    t = np.arange(int(seconds * rate)) / rate
    noise = np.random.default_rng(seed).normal(0, 0.01, len(t))
    return (0.3 * np.sin(2 * np.pi * hz * t) + noise).astype("float32")


def test_log_mel_frames_are_25ms_windows_every_10ms():
    featurizer = LogMelFeaturizer.from_config(build_config(FeaturizeConfig, {
        "n_mels": 32, "trim_db": None, "utterance_norm": "mean",
        "cepstra": None, "deltas": 0}), ["a", "b"])
    assert (featurizer.win_length, featurizer.hop_length, featurizer.n_fft) == (200, 80, 256)
    frames = featurizer.logmel(tone(0.5))
    assert frames.shape == (4000 // 80 + 1, 32)
    np.testing.assert_allclose(frames.mean(axis=0), 0, atol=1e-4)  # per-utterance mean


def test_featurizer_json_round_trip_gives_identical_frames(tmp_path):
    featurizer = LogMelFeaturizer.from_config(FeaturizeConfig(utterance_norm="mean"), ["0", "1"])
    featurizer.fit([featurizer.logmel(tone(0.4, hz, seed=i)) for i, hz in enumerate([300, 900])])
    path = featurizer.save(tmp_path / "featurizer.json")
    loaded = LogMelFeaturizer.load(path)
    assert loaded == featurizer and loaded.labels == ["0", "1"]
    audio = tone(0.3, 600)
    np.testing.assert_array_equal(loaded.transform(audio), featurizer.transform(audio))
    with pytest.raises(RuntimeError, match="fit"):
        LogMelFeaturizer().transform(audio)


def test_speed_perturbation_changes_length_and_noise_changes_samples():
    cfg = build_config(FeaturizeConfig, {"speed_range": [1.25, 1.25], "noise_snr_db": []})
    fast = perturb(tone(0.5), 8000, cfg, np.random.default_rng(0))
    assert len(fast) == pytest.approx(3200, abs=2)
    noisy = perturb(tone(0.5), 8000, build_config(FeaturizeConfig, {
        "speed_range": [1.0, 1.0], "noise_snr_db": [10.0, 10.0]}), np.random.default_rng(0))
    assert len(noisy) == 4000 and not np.allclose(noisy, tone(0.5))


def test_spec_augment_masks_but_never_makes_a_padding_frame():
    cfg = build_config(FeaturizeConfig, {"spec_augment": True, "time_masks": 3,
                                         "time_mask_fraction": 0.5})
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 32, 40)).astype("float32")
    x[:, 20:] = 0.0
    out = spec_augment(x.copy(), np.array([20, 20, 20, 20]), cfg, rng)
    assert out[:, :20].any(axis=2).all()  # no real frame became all-zero (= padding)
    assert not out[:, 20:].any()
    assert not np.array_equal(out, x)


def test_bucketed_dataset_pads_with_zero_frames_and_keeps_labels():
    lengths = [5, 40, 7, 33, 18, 6, 41, 19]
    versions = [[np.full((n, 3), i + 1, "float32")] for i, n in enumerate(lengths)]
    data = FrameDataset(versions, np.arange(8), batch_size=2)
    widths = []
    for b in range(len(data)):
        x, y = data[b]
        widths.append(x.shape[1])
        assert x.shape[1] % PAD_MULTIPLE == 0
        for row, label in enumerate(y):
            n = lengths[label]
            assert (x[row, :n] == label + 1).all() and not x[row, n:].any()
    assert widths[0] != widths[1]  # Keras infers a free time axis from batches 0 and 1
    assert sorted(np.concatenate(data.batches).tolist()) == list(range(8))


def test_featurize_fits_each_fold_on_its_training_clips(wav_folder, tiny_cfg):
    cfg = tiny_cfg(f"folder:{wav_folder}", data={"split": "speaker"},
                   featurize={"augment_copies": 2})
    features = featurize(cfg, ingest(cfg))
    assert [f.name for f in features.folds] == ["ann", "bob", "cy"]
    for fold in features.folds:
        train = np.concatenate([features.versions[i][0] for i in fold.train])
        np.testing.assert_allclose(features.featurizers[fold.name].mean, train.mean(axis=0),
                                   rtol=1e-4, atol=1e-4)
        assert all(len(features.versions[i]) == 3 for i in fold.train)
    assert features.labels == ["high", "low"]
    assert features.featurizers["ann"].labels == ["high", "low"]


def test_the_augment_budget_caps_the_copies_of_a_large_source(wav_folder, tiny_cfg, caplog):
    """A budget of 100 over 40-odd training clips leaves 2 copies of each where 5 were
    asked for, and says so; without a budget all 5 are made. (Clips no fold trains on,
    validation clips, get none.)"""
    raw = ingest(tiny_cfg(f"folder:{wav_folder}"))
    for budget, copies in ((100, 2), (None, 5)):
        cfg = tiny_cfg(f"folder:{wav_folder}", data={"split": "speaker"},
                       featurize={"augment_copies": 5, "augment_budget": budget})
        features = featurize(cfg, raw)
        trained = sorted({i for fold in features.folds for i in fold.train})
        assert 34 <= len(trained) <= 50
        assert {len(features.versions[i]) for i in trained} == {1 + copies}
    assert (f"2 augmented copies per training clip, not 5: {len(trained)} training clips "
            "and featurize.augment_budget=100") in caplog.text


def floor_featurizer(floor_db):
    return LogMelFeaturizer.from_config(build_config(FeaturizeConfig, {
        "floor_db": floor_db, "cepstra": None, "deltas": 0, "utterance_norm": "none",
        "trim_db": None}), ["a", "b"])


def test_the_floor_lifts_every_bin_to_floor_db_below_the_loudest():
    audio = tone(0.5)
    full = floor_featurizer(None).raw_logmel(audio)
    floored = floor_featurizer(40.0).raw_logmel(audio)
    expected = np.maximum(full, full.max() - 40.0 * np.log(10) / 10)  # 40 dB in nats of power
    np.testing.assert_allclose(floored, expected, rtol=1e-6)
    assert (floored < full).sum() == 0 and (floored > full).sum() > 0


def test_the_floor_makes_a_quiet_hiss_invisible():
    t = np.arange(4000) / 8000
    clean = (0.3 * np.sin(2 * np.pi * 500 * t) * np.hanning(4000)).astype("float32")
    hiss = clean + np.random.default_rng(0).normal(0, 3e-4, 4000).astype("float32")  # -50 dB

    def change(floor_db):
        featurizer = floor_featurizer(floor_db)
        return np.abs(featurizer.raw_logmel(hiss) - featurizer.raw_logmel(clean)).max()

    assert change(None) > 5.0  # without a floor the hiss rewrites the quiet bins
    assert change(40.0) < 0.05


def test_cepstra_are_the_orthonormal_dct_of_each_log_mel_frame():
    from scipy.fft import dct

    from pipelines.speech.featurizer import cepstrum

    log_mel = np.random.default_rng(0).normal(size=(7, 20)).astype("float32")
    np.testing.assert_allclose(cepstrum(log_mel, 13),
                               dct(log_mel.astype("float64"), type=2, norm="ortho")[:, :13],
                               atol=1e-5)
    with pytest.raises(ValueError, match="cepstra=21"):
        cepstrum(log_mel, 21)


def test_deltas_are_the_regression_slope_with_edges_repeated():
    from pipelines.speech.featurizer import delta

    ramp = np.stack([np.arange(8.0), np.full(8, 3.0)], axis=1)  # channel 0: slope 1
    d = delta(ramp)
    np.testing.assert_allclose(d[2:-2, 0], 1.0)
    np.testing.assert_allclose(d[:, 1], 0.0)
    # frame 0 sees frames (0, 0, 0, 1, 2): (1 * (1 - 0) + 2 * (2 - 0)) / 10
    assert d[0, 0] == pytest.approx(0.5)


def test_cepstral_featurizer_with_deltas_gives_its_declared_width(tmp_path):
    featurizer = LogMelFeaturizer.from_config(build_config(FeaturizeConfig, {
        "cepstra": 13, "deltas": 2, "utterance_norm": "meanvar", "trim_db": None}), ["a"])
    frames = featurizer.logmel(tone(0.5))
    assert featurizer.n_features == 39 and frames.shape == (51, 39)
    np.testing.assert_allclose(frames[:, :13].std(axis=0), 1.0, atol=1e-3)  # meanvar
    featurizer.fit([frames])
    loaded = LogMelFeaturizer.load(featurizer.save(tmp_path / "f.json"))
    np.testing.assert_array_equal(loaded.transform(tone(0.3)), featurizer.transform(tone(0.3)))
    with pytest.raises(ConfigError, match=r"'deltas' must be an integer in \[0, 2\]; received 3"):
        build_config(FeaturizeConfig, {"deltas": 3})
