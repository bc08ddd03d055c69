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


def test_served_probabilities_average_the_clip_and_its_test_time_copies(wav_folder, tiny_cfg):
    cfg = tiny_cfg(f"folder:{wav_folder}", featurize={"test_time_copies": 3,
                                                      "augment_copies": 1})
    raw = ingest(cfg)
    untrained = tiny_cfg(f"folder:{wav_folder}", featurize={"test_time_copies": 3})
    assert featurize(untrained, raw).featurizers["official"].test_time_copies == 0  # no copies
    features = featurize(cfg, raw)
    fold = features.folds[0]
    featurizer = features.featurizers[fold.name]
    assert featurizer.test_time_copies == 3 and featurizer.augmentation["vtlp_range"] == [0.9, 1.1]
    keras_model = build_model(cfg, len(features.labels), featurizer.n_features)
    audio = raw.clips[fold.test[0]].audio
    versions = featurizer.versions(audio)
    assert len(versions) == 4
    np.testing.assert_array_equal(versions[0], featurizer.transform(audio))
    assert all(v.shape[1] == featurizer.n_features for v in versions)
    assert all(not np.array_equal(versions[0][: len(v)], v[: len(versions[0])])
               for v in versions[1:])  # perturbed copies, not the clip again
    again = featurizer.versions(audio)  # the same copies every time: reproducible answers
    assert all(np.array_equal(a, b) for a, b in zip(versions, again, strict=True))
    evaluated = features.test_versions(fold)[0]  # evaluate scores what serving predicts
    assert all(np.array_equal(a, b) for a, b in zip(versions, evaluated, strict=True))

    by_hand = np.mean([keras_model(v[None]).numpy()[0] for v in versions], axis=0)
    served = SpeechModel.from_objects(keras_model, featurizer=featurizer).predict(
        None, pd.DataFrame({"audio": [audio.tolist()], "sample_rate": [raw.sample_rate]}))
    np.testing.assert_allclose(list(served[0]["probabilities"].values()), by_hand,
                               rtol=1e-4, atol=1e-6)
    alone = keras_model(versions[0][None]).numpy()[0]
    assert np.abs(by_hand - alone).max() > 1e-4  # the copies count
