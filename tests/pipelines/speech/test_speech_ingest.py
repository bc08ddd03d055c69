"""Speech ingest: the folder source, bad wavs, resampling, unreadable folders, TFDS, FSDD."""

import sys

import numpy as np
import pytest

from pipelines.core.errors import ConfigError, DataMissingError
from pipelines.speech.audio import SpeechDataError
from pipelines.speech.ingest import ingest


def test_folder_source_reads_labels_speakers_and_takes(wav_folder, tiny_cfg):
    raw = ingest(tiny_cfg(f"folder:{wav_folder}"))
    assert len(raw.clips) == 48 and raw.labels == ["high", "low"]
    assert {c.speaker for c in raw.clips} == {"ann", "bob", "cy"}
    clip = next(c for c in raw.clips if c.name.endswith("low_bob_3.wav"))
    assert (clip.label, clip.speaker, clip.index) == ("low", "bob", 3)
    assert clip.audio.dtype == np.float32 and len(clip.audio) == int(0.26 * 8000)
    assert raw.bad == [] and raw.resampled == 0 and raw.provenance.rows == 48


def test_corrupt_and_empty_wavs_are_skipped_and_listed(wav_folder, tiny_cfg, write_wav):
    (wav_folder / "low" / "broken.wav").write_bytes(b"RIFF\x00\x01not really a wav")
    write_wav(wav_folder / "high" / "silent.wav", seconds=0.0)
    raw = ingest(tiny_cfg(f"folder:{wav_folder}", data={"max_bad_fraction": 0.1}))
    assert len(raw.clips) == 48
    assert len(raw.bad) == 2
    assert any("broken.wav" in b and "not a readable audio file" in b for b in raw.bad)
    assert any("silent.wav" in b and "empty" in b for b in raw.bad)


def test_too_many_bad_wavs_fail_naming_them(wav_folder, tiny_cfg):
    for i in range(4):
        (wav_folder / "low" / f"junk{i}.wav").write_bytes(b"")
    with pytest.raises(SpeechDataError, match=r"4 of 52 wavs .*max_bad_fraction = 0.05.*junk0"):
        ingest(tiny_cfg(f"folder:{wav_folder}"))


def test_other_sample_rate_is_resampled_and_counted(wav_folder, tiny_cfg, write_wav):
    write_wav(wav_folder / "low" / "low_dee_0.wav", hz=300, seconds=0.5, rate=16000)
    raw = ingest(tiny_cfg(f"folder:{wav_folder}"))
    assert raw.resampled == 1
    clip = next(c for c in raw.clips if c.speaker == "dee")
    assert len(clip.audio) == pytest.approx(4000, abs=2)  # 0.5 s at 8 kHz


@pytest.mark.parametrize("kind", ["missing", "file", "empty"])
def test_unreadable_folder_is_a_clear_error(tmp_path, tiny_cfg, kind):
    path = tmp_path / "nowhere"
    if kind == "file":
        path.write_text("not a folder")
    elif kind == "empty":
        (path / "label").mkdir(parents=True)
    expected = {"missing": "does not exist", "file": "is not a folder", "empty": "No wavs"}[kind]
    with pytest.raises(SpeechDataError, match=expected) as info:
        ingest(tiny_cfg(f"folder:{path}"))
    assert str(path) in str(info.value)


def test_permission_error_while_listing_is_a_clear_error(wav_folder, tiny_cfg, monkeypatch):
    def denied(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(wav_folder), "iterdir", denied)
    with pytest.raises(SpeechDataError, match="Cannot read the folder .*Permission denied"):
        ingest(tiny_cfg(f"folder:{wav_folder}"))


def test_unknown_source_names_the_choices(tiny_cfg):
    with pytest.raises(ConfigError, match="fsdd, folder:PATH, tfds:speech_commands"):
        ingest(tiny_cfg("librispeech"))


def test_tfds_unreachable_is_a_clear_error_and_never_downloads(tiny_cfg, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)  # import fails
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    with pytest.raises(DataMissingError, match="speech_commands.*not available.*does not "
                                               "download"):
        ingest(tiny_cfg("tfds:speech_commands"))
    with pytest.raises(ConfigError, match="not supported"):
        ingest(tiny_cfg("tfds:mnist"))


def test_fsdd_missing_from_the_data_home_names_the_path(tiny_cfg, monkeypatch, tmp_path):
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(tmp_path))
    expected = tmp_path / "free_spoken_digit" / "fsdd_recordings.tar.gz"
    with pytest.raises(DataMissingError, match=str(expected)):
        ingest(tiny_cfg("fsdd"))
