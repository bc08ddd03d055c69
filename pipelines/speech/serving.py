"""The trained classifier as an MLflow pyfunc model: log, register, load, predict.

The logged model holds the `.keras` model and the featurizer JSON. Its input is a
DataFrame with a `path` (wav file) or an `audio` (samples) + `sample_rate` column per
row (or a plain list of wav paths); its output one `{"label", "probabilities"}` per row,
or `{"error"}` for a row whose audio cannot be used (a missing, empty or corrupt file,
a sample rate outside 8-48 kHz, over 10 s: `pipelines.speech.audio.check_clip`).
Every clip is cut as training cut it (`LogMelFeaturizer.segment`), and its probabilities
are the mean over the clip and its test-time copies (`LogMelFeaturizer.versions`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.core import local_models, serving
from pipelines.core.errors import RnnkitUserError
from pipelines.speech.audio import (
    SpeechDataError,
    check_clip,
    load_for_prediction,
    resample,
)
from pipelines.speech.dataset import average_versions
from pipelines.speech.featurizer import LogMelFeaturizer


def waveform(row: dict, featurizer: LogMelFeaturizer) -> np.ndarray:
    """The row's samples at the featurizer's rate, from its `path` or `audio`."""
    path = row.get("path")
    if isinstance(path, str) and path:
        return load_for_prediction(path, featurizer.sample_rate)
    audio = row.get("audio")
    if audio is None or len(audio) == 0:
        raise SpeechDataError("Each input row needs a wav `path` or non-empty `audio` samples.")
    samples = np.asarray(audio, dtype="float32")
    if not np.all(np.isfinite(samples)):
        raise SpeechDataError("The `audio` samples hold NaN or infinite values.")
    rate = row.get("sample_rate")
    rate = featurizer.sample_rate if rate is None or pd.isna(rate) else int(rate)
    check_clip(len(samples), rate)
    return resample(samples, rate, featurizer.sample_rate)


class SpeechModel(serving.TaskModel):
    """pyfunc: wav paths or audio samples in, `{"label", "probabilities"}` per clip."""

    preprocessors = {"featurizer": LogMelFeaturizer}

    def read(self, model_input) -> list[dict]:
        if not isinstance(model_input, pd.DataFrame):  # a plain list of wav paths
            model_input = pd.DataFrame({"path": list(model_input)})
        return model_input.to_dict(orient="records")

    def prepare(self, row: dict, position: int, params: dict) -> list[np.ndarray]:
        try:
            return self.featurizer.versions(waveform(row, self.featurizer))
        except RnnkitUserError as exc:
            where = row.get("path") if isinstance(row.get("path"), str) else f"row {position}"
            raise serving.InputError(f"{where}: {exc}") from None

    def answer(self, versions: list[list[np.ndarray]], params: dict) -> list[dict]:
        labels = list(self.featurizer.labels)
        return [{"label": labels[int(np.argmax(row))],
                 "probabilities": {name: float(p) for name, p in zip(labels, row, strict=True)}}
                for row in average_versions(self.model, versions)]


def registered_fold(cfg, features) -> str:
    """The fold whose model is logged: the only one, or the `test_speaker`'s, or the first."""
    names = [f.name for f in features.folds]
    return cfg.data.test_speaker if cfg.data.test_speaker in names else names[0]


INPUT_COLUMNS = {"path": "string", "audio": "array<double>", "sample_rate": "long"}


def package(cfg, trained, features, report) -> serving.ModelPackage:
    """The registered fold's classifier and featurizer; a row gives a wav `path` or
    `audio` samples (+ `sample_rate`)."""
    fold = registered_fold(cfg, features)
    featurizer = features.featurizers[fold]
    example = pd.DataFrame({"audio": [features.example_audio.astype("float64").tolist()],
                            "sample_rate": [featurizer.sample_rate]})
    return serving.ModelPackage(SpeechModel, trained.folds[fold].model,
                                {"featurizer": featurizer}, example,
                                requirements=["librosa", "soundfile"],
                                optional_columns=INPUT_COLUMNS,
                                tags={"registered_fold": fold})


def predict(inputs: list[str], model_uri: str | None) -> list[dict]:
    """`rnnkit predict speech FILE.wav ...`: label and class probabilities per file, or
    what is wrong with the file."""
    model = local_models.load_task_model("speech", model_uri)
    answers = model.predict(pd.DataFrame({"path": list(inputs)}))
    return [{"input": path, **answer} for path, answer in zip(inputs, answers, strict=True)]
