"""Speech serving: predict's user errors, and the pyfunc's classify on paths and audio."""

import numpy as np
import pandas as pd
import pytest

from pipelines.core.errors import RnnkitUserError
from pipelines.speech.audio import SpeechDataError
from pipelines.speech.featurize import featurize
from pipelines.speech.ingest import ingest
from pipelines.speech.serving import classify, predict, to_results
from pipelines.speech.train import build_model


def test_predict_rejects_empty_input_and_missing_files(tmp_path):
    with pytest.raises(RnnkitUserError, match="No inputs"):
        predict([], None)
    missing = tmp_path / "nope.wav"
    with pytest.raises(SpeechDataError, match=f"not found: {missing}"):
        predict([str(missing)], "runs:/unused/model")


def test_classify_takes_paths_or_audio_and_gives_probabilities(wav_folder, tiny_cfg, tmp_path):
    cfg = tiny_cfg(f"folder:{wav_folder}")
    features = featurize(cfg, ingest(cfg))
    featurizer = features.featurizers["official"]
    model = build_model(cfg, len(features.labels), featurizer.n_features)
    wav = next((wav_folder / "low").glob("*.wav"))
    import soundfile

    audio, rate = soundfile.read(wav, dtype="float32")
    out = classify(model, featurizer, pd.DataFrame({
        "path": [str(wav), None], "audio": [None, audio.tolist()], "sample_rate": [None, rate]}))
    assert list(out.columns) == ["label", "prob_high", "prob_low"]
    np.testing.assert_allclose(out.iloc[0, 1:].to_numpy(float), out.iloc[1, 1:].to_numpy(float),
                               rtol=1e-5)
    np.testing.assert_allclose(out.iloc[:, 1:].sum(axis=1), 1.0, rtol=1e-5)
    results = to_results(["a.wav", "b"], out)
    assert results[0]["label"] in ("high", "low")
    assert set(results[0]["probabilities"]) == {"high", "low"}
    with pytest.raises(SpeechDataError, match="not found"):
        classify(model, featurizer, pd.DataFrame({"path": [str(tmp_path / "gone.wav")]}))
    empty = tmp_path / "empty.wav"
    soundfile.write(empty, np.zeros(0, "float32"), 8000)
    with pytest.raises(SpeechDataError, match="empty"):
        classify(model, featurizer, pd.DataFrame({"path": [str(empty)]}))
    with pytest.raises(SpeechDataError, match="input is empty"):
        classify(model, featurizer, pd.DataFrame({"path": []}))
