"""Speech serving: the pyfunc on paths and audio, each bad clip answered on its own."""

import numpy as np
import pandas as pd
import soundfile

from pipelines.speech.featurize import featurize
from pipelines.speech.ingest import ingest
from pipelines.speech.serving import SpeechModel
from pipelines.speech.train import build_model


def test_paths_or_audio_each_answered_and_bad_clips_named(wav_folder, tiny_cfg, tmp_path):
    cfg = tiny_cfg(f"folder:{wav_folder}")
    features = featurize(cfg, ingest(cfg))
    featurizer = features.featurizers["official"]
    model = SpeechModel.from_objects(
        build_model(cfg, len(features.labels), featurizer.n_features), featurizer=featurizer)
    wav = next((wav_folder / "low").glob("*.wav"))
    audio, rate = soundfile.read(wav, dtype="float32")
    empty, corrupt, gone = tmp_path / "empty.wav", tmp_path / "corrupt.wav", tmp_path / "gone.wav"
    empty.write_bytes(b"")  # a 0-byte file
    corrupt.write_bytes(b"RIFF1234WAVEnot really")
    answers = model.predict(None, pd.DataFrame({
        "path": [str(wav), None, str(empty), str(corrupt), str(gone)],
        "audio": [None, audio.tolist(), None, None, None],
        "sample_rate": [None, rate, None, None, None]}))
    assert len(answers) == 5
    good = answers[:2]
    assert all(a["label"] in ("high", "low") for a in good)
    assert all(set(a["probabilities"]) == {"high", "low"} for a in good)
    np.testing.assert_allclose(list(good[0]["probabilities"].values()),
                               list(good[1]["probabilities"].values()), rtol=1e-5)
    np.testing.assert_allclose(sum(good[0]["probabilities"].values()), 1.0, rtol=1e-5)
    assert str(empty) in answers[2]["error"] and "not a readable audio" in answers[2]["error"]
    assert str(corrupt) in answers[3]["error"]
    assert str(gone) in answers[4]["error"] and "not found" in answers[4]["error"]
    assert model.predict(None, pd.DataFrame({"path": []})) == []
    assert "row 1" in model.predict(None, pd.DataFrame({"audio": [[]]}))[0]["error"]
