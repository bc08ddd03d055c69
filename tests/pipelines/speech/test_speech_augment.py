"""The augmentations for unseen voices: the room's reverberation against its formula, the
vocal-tract warp moving a tone's peak by its factor, and featurize using both only on
training copies."""

import numpy as np
import pytest

from pipelines.core.config import build_config
from pipelines.core.errors import ConfigError
from pipelines.speech.augment import perturb, reverberate, warp_spectrum
from pipelines.speech.config import FeaturizeConfig
from pipelines.speech.featurizer import LogMelFeaturizer


def tone(seconds=0.5, hz=500.0, rate=8000):
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype("float32")


def test_reverberation_is_the_clip_convolved_with_a_decaying_tail():
    rng = np.random.default_rng(0)
    click = np.zeros(4000, "float32")
    click[100] = 1.0
    wet = reverberate(click, 8000, 0.25, np.random.default_rng(1))
    assert len(wet) == 4000 and np.abs(wet[:100]).max() < 1e-6  # causal: nothing before
    tail = wet[101:101 + 2000]
    energy = np.convolve(tail**2, np.ones(200), "valid")
    early, late = energy[0], energy[1600]  # 0.2 s later: about -55 dB by RT60 = 0.25 s
    assert 10 * np.log10(late / early) < -40
    loud = rng.normal(size=4000).astype("float32")
    out = reverberate(loud, 8000, 0.4, np.random.default_rng(2))
    assert np.sqrt(np.mean(out**2)) == pytest.approx(np.sqrt(np.mean(loud**2)), rel=1e-4)


def test_the_warp_moves_a_tones_peak_by_its_factor():
    import librosa

    power = np.abs(librosa.stft(tone(0.5, 1000.0), n_fft=256, hop_length=80)) ** 2
    peak = np.argmax(power[:, 10])  # 1000 Hz of 4000 over 128 bins: bin 32
    assert peak == 32
    for alpha in (0.9, 1.1):
        assert np.argmax(warp_spectrum(power, alpha)[:, 10]) == round(32 * alpha)
    np.testing.assert_allclose(warp_spectrum(power, 1.0), power)
    assert not warp_spectrum(power, 0.8)[-20:].any()  # above 0.8 × Nyquist nothing maps in


def test_featurize_warps_and_reverberates_only_training_copies():
    f = build_config(FeaturizeConfig, {"vtlp_range": [1.1, 1.1], "reverb_rt60": [0.3, 0.3],
                                       "reverb_fraction": 0.99, "noise_snr_db": [],
                                       "speed_range": [1.0, 1.0], "trim_db": None})
    featurizer = LogMelFeaturizer.from_config(f, ["a"])
    audio = tone(0.5, 1000.0)
    plain = featurizer.raw_logmel(audio)
    warped = featurizer.raw_logmel(audio, warp=1.1)
    assert np.argmax(warped[10]) > np.argmax(plain[10])  # the tone moved up the mel axis
    copy = perturb(audio, 8000, f, np.random.default_rng(0))
    assert not np.allclose(copy, audio)  # reverberated (0.99 of the copies)
    with pytest.raises(ConfigError, match="vtlp_range"):
        build_config(FeaturizeConfig, {"vtlp_range": [1.1, 0.9]})


def test_the_pitch_shift_moves_a_tone_by_its_semitones_and_keeps_its_length():
    f = build_config(FeaturizeConfig, {"pitch_semitones": [12.0, 12.0], "noise_snr_db": [],
                                       "speed_range": [1.0, 1.0], "reverb_rt60": []})
    for semitones, hz in ((12.0, 1000.0), (-12.0, 250.0), (3.0, 500.0 * 2 ** 0.25)):
        f = f.model_copy(update={"pitch_semitones": [semitones, semitones]})
        shifted = perturb(tone(0.5, 500.0), 8000, f, np.random.default_rng(0))
        assert len(shifted) == 4000  # the tempo is kept
        spectrum = np.abs(np.fft.rfft(shifted[1000:3000] * np.hanning(2000)))
        assert np.argmax(spectrum) * 8000 / 2000 == pytest.approx(hz, abs=8.0)
    with pytest.raises(ConfigError, match="pitch_semitones"):
        build_config(FeaturizeConfig, {"pitch_semitones": [2.0, -2.0]})
