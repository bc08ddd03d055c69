"""The trained classifier as an MLflow model: raw texts in, label + probabilities out."""

from __future__ import annotations

import numpy as np

from pipelines.core import local_models, serving
from pipelines.sentiment.batches import predict_proba
from pipelines.sentiment.explain import explain
from pipelines.sentiment.text import TextEncoder

TEXT_COLUMN = "text"
EXAMPLE = ["A moving, beautifully acted film. I loved every minute of it.",
           "Dull, predictable and far too long. A waste of two hours."]


class SentimentModel(serving.TaskModel):
    """pyfunc: a DataFrame with a ``text`` column (or a list of texts) in; per text
    ``{"label", "probabilities": {label: p}}``, or ``{"error"}`` for an empty one;
    ``params={"explain": True}`` adds ``"explanation"``: the words that drove the label
    (`pipelines.sentiment.explain`)."""

    preprocessors = {"text_encoder": TextEncoder}

    def read(self, model_input) -> list:
        return serving.texts_of(model_input, TEXT_COLUMN)

    def prepare(self, item, position: int, params: dict) -> str:
        return serving.check_text(item, position)

    def answer(self, texts: list[str], params: dict) -> list[dict]:
        encoder = self.text_encoder
        probs = predict_proba(self.model, encoder.encode(texts), bags=encoder.bags(texts))
        labels = list(self.text_encoder.labels)
        answers = [{"label": labels[int(np.argmax(row))],
                    "probabilities": {name: float(p)
                                      for name, p in zip(labels, row, strict=True)}}
                   for row in probs]
        if params.get("explain"):
            for text, answer in zip(texts, answers, strict=True):
                answer["explanation"] = explain(self.model, self.text_encoder, text)
        return answers


def package(cfg, trained, features, report) -> serving.ModelPackage:
    """The classifier with its text encoder, for the runner to log and register."""
    import pandas as pd  # not at import: `rnnkit predict` needs no pandas

    return serving.ModelPackage(SentimentModel, trained.model,
                                {"text_encoder": features.encoder},
                                pd.DataFrame({TEXT_COLUMN: EXAMPLE}),
                                params={"explain": False})


def predict(inputs: list[str], model_uri: str | None, explain: bool = False) -> list[dict]:
    """`rnnkit predict sentiment TEXT ...`: label and class probabilities per text (and
    with `explain` the words that drove it), or the reason it could not be classified."""
    model = local_models.load_task_model("sentiment", model_uri)
    # the task's model in-process (models saved before the explain param explain too)
    answers = serving.task_model(model).predict(None, list(inputs), {"explain": explain})
    return [{"input": serving.shown(text), **answer}
            for text, answer in zip(inputs, answers, strict=True)]
