"""The trained classifier as an MLflow pyfunc model: log, register, load, predict.

The logged model holds the `.keras` model and the featurizer JSON; its input is a
DataFrame with a `path` (wav file) or an `audio` (samples) + `sample_rate` column per
row, its output a `label` column and one `prob_<label>` column per class.
"""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from pipelines.core import tracking
from pipelines.core.errors import RnnkitUserError
from pipelines.speech.audio import SpeechDataError, load_for_prediction, resample
from pipelines.speech.dataset import predict_proba
from pipelines.speech.featurizer import LogMelFeaturizer

PROB = "prob_"


def waveform(row: dict, featurizer: LogMelFeaturizer) -> np.ndarray:
    path = row.get("path")
    if isinstance(path, str) and path:
        return load_for_prediction(path, featurizer.sample_rate)
    audio = row.get("audio")
    if audio is None or len(audio) == 0:
        raise SpeechDataError("Each input row needs a wav `path` or non-empty `audio` samples.")
    rate = row.get("sample_rate")
    rate = featurizer.sample_rate if rate is None or pd.isna(rate) else int(rate)
    return resample(np.asarray(audio, dtype="float32"), rate, featurizer.sample_rate)


def classify(model, featurizer: LogMelFeaturizer, frame: pd.DataFrame) -> pd.DataFrame:
    """`label` and `prob_<label>` columns, one row per input row."""
    if len(frame) == 0:
        raise SpeechDataError("No audio to classify: the input is empty.")
    frames = [featurizer.transform(waveform(row, featurizer))
              for row in frame.to_dict(orient="records")]
    probs = predict_proba(model, frames)
    out = pd.DataFrame(probs.astype("float64"),
                       columns=[PROB + name for name in featurizer.labels])
    out.insert(0, "label", [featurizer.labels[i] for i in probs.argmax(axis=1)])
    return out


class SpeechModel(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        import keras

        self.model = keras.saving.load_model(context.artifacts["model"])
        self.featurizer = LogMelFeaturizer.load(context.artifacts["featurizer"])

    def predict(self, context, model_input, params: dict | None = None):
        if not isinstance(model_input, pd.DataFrame):  # a plain list of wav paths
            model_input = pd.DataFrame({"path": list(model_input)})
        return classify(self.model, self.featurizer, model_input)


def signature_and_example(audio: np.ndarray, rate: int, output: pd.DataFrame):
    from mlflow.models import ModelSignature
    from mlflow.types.schema import Array, ColSpec, Schema

    inputs = Schema([ColSpec("string", "path", required=False),
                     ColSpec(Array("double"), "audio", required=False),
                     ColSpec("long", "sample_rate", required=False)])
    outputs = mlflow.models.infer_signature(output).inputs
    example = pd.DataFrame({"audio": [audio.astype("float64").tolist()], "sample_rate": [rate]})
    return ModelSignature(inputs, outputs), example


def registered_fold(cfg, features) -> str:
    """The fold whose model is logged: the only one, or the `test_speaker`'s, or the first."""
    names = [f.name for f in features.folds]
    return cfg.data.test_speaker if cfg.data.test_speaker in names else names[0]


def register(cfg, trained, features, report, run):
    """Log the pyfunc model (models from code) and register it as `rnnkit-speech`."""
    fold = registered_fold(cfg, features)
    model, featurizer = trained.folds[fold].model, features.featurizers[fold]
    audio = features.example_audio
    example_out = classify(model, featurizer, pd.DataFrame({"audio": [audio]}))
    signature, example = signature_and_example(audio, featurizer.sample_rate, example_out)
    mlflow.set_tag("registered_fold", fold)
    tracking.log_keras_pyfunc(run, Path(__file__).with_name("pyfunc_model.py"), model,
                              {"featurizer": featurizer}, example, example_out,
                              extra_requirements=["librosa", "soundfile"], signature=signature)


def predict(inputs: list[str], model_uri: str | None) -> list[dict]:
    """`rnnkit predict speech FILE.wav ...`: label and class probabilities per file."""
    if not inputs:
        raise RnnkitUserError("No inputs: give one or more wav paths.")
    missing = [p for p in inputs if not Path(p).is_file()]
    if missing:
        raise SpeechDataError(f"Audio file(s) not found: {', '.join(missing)}.")
    model = tracking.load_task_model("speech", model_uri)
    out = model.predict(pd.DataFrame({"path": list(inputs)}))
    return to_results(inputs, out)


def to_results(inputs: list[str], out: pd.DataFrame) -> list[dict]:
    probs = [c for c in out.columns if c.startswith(PROB)]
    return [{"input": item, "label": str(row["label"]),
             "probabilities": {c[len(PROB):]: float(row[c]) for c in probs}}
            for item, (_, row) in zip(inputs, out.iterrows(), strict=True)]
