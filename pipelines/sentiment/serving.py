"""The trained classifier as an MLflow model: raw texts in, label + probabilities out."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from pipelines.core import tracking
from pipelines.core.errors import RnnkitUserError
from pipelines.sentiment.batches import predict_proba
from pipelines.sentiment.text import TextEncoder

TEXT_COLUMN = "text"
EXAMPLE = ["A moving, beautifully acted film. I loved every minute of it.",
           "Dull, predictable and far too long. A waste of two hours."]


def check_texts(texts) -> list[str]:
    """The texts as strings; an empty one is a user error naming its position."""
    out = []
    for i, text in enumerate(texts, start=1):
        if not isinstance(text, str) or not text.strip():
            raise RnnkitUserError(
                f"Input {i} is empty ({text!r}): give the text to classify.")
        out.append(text)
    return out


def classify(model, encoder: TextEncoder, texts) -> pd.DataFrame:
    """One row per text: ``label`` and ``probability_<label>`` for every class."""
    texts = check_texts(texts)
    probs = predict_proba(model, encoder.encode(texts))
    labels = np.asarray(encoder.labels, dtype=object)
    frame = pd.DataFrame({"label": labels[probs.argmax(axis=1)] if len(texts) else []})
    for i, name in enumerate(encoder.labels):
        frame[f"probability_{name}"] = probs[:, i].astype("float64")
    return frame


def as_records(texts, frame: pd.DataFrame, labels: list[str]) -> list[dict]:
    """``classify`` rows as ``{"input", "label", "probabilities": {label: p}}``."""
    return [{"input": text, "label": str(row["label"]),
             "probabilities": {name: float(row[f"probability_{name}"]) for name in labels}}
            for text, (_, row) in zip(texts, frame.iterrows(), strict=True)]


class SentimentModel(mlflow.pyfunc.PythonModel):
    """pyfunc: a DataFrame with a ``text`` column (or a list of texts) in."""

    def load_context(self, context):
        import keras

        self.model = keras.saving.load_model(context.artifacts["model"])
        self.encoder = TextEncoder.load(context.artifacts["text_encoder"])

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None):
        return classify(self.model, self.encoder, tracking.pyfunc_texts(model_input, TEXT_COLUMN))


def register(cfg, trained, features, report, run):
    """Log the model (signature, input example, encoder JSON) and register it."""
    example = pd.DataFrame({TEXT_COLUMN: EXAMPLE})
    output = classify(trained.model, features.encoder, EXAMPLE)
    tracking.log_keras_pyfunc(run, Path(__file__).with_name("pyfunc_model.py"), trained.model,
                              {"text_encoder": features.encoder}, example, output)


def predict(inputs: list[str], model_uri: str | None) -> list[dict]:
    """`rnnkit predict sentiment TEXT ...`: label and class probabilities per text."""
    texts = check_texts(inputs)  # before loading: a bad input fails fast
    model = tracking.load_task_model("sentiment", model_uri)
    frame = model.predict(pd.DataFrame({TEXT_COLUMN: texts}))
    labels = [c.removeprefix("probability_") for c in frame.columns if c != "label"]
    return as_records(texts, frame, labels)
