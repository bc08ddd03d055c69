"""The toy task's served model ("3 1 4" -> "4 1 3") and its retrain scorer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from pipelines.core import local_models, serving
from pipelines.core.state import JsonState


@dataclass
class Digits(JsonState):
    """What the model reads: sequences of `length` digits below `digits`."""

    FORMAT: ClassVar[str] = "toy-reverse-digits/1"

    length: int
    digits: int

    def to_dict(self) -> dict:
        return {"length": self.length, "digits": self.digits}

    @classmethod
    def from_dict(cls, data: dict) -> Digits:
        return cls(int(data["length"]), int(data["digits"]))


class ReverseModel(serving.TaskModel):
    """pyfunc: a `text` column of space-separated digits in, `{"reversed"}` out."""

    preprocessors = {"digits": Digits}

    def read(self, model_input) -> list:
        return serving.texts_of(model_input)

    def prepare(self, item, position: int, params: dict) -> list[int]:
        words = str(item).split()
        d = self.digits
        if len(words) != d.length or not all(w.isdigit() and int(w) < d.digits for w in words):
            raise serving.InputError(f"Input {position} ({item!r}) is not {d.length} digits "
                                     f"below {d.digits}.")
        return [int(w) for w in words]

    def answer(self, sequences: list, params: dict) -> list[dict]:
        logits = np.asarray(self.model.predict(np.array(sequences), verbose=0))
        return [{"reversed": " ".join(map(str, row))} for row in logits.argmax(-1)]


def package(cfg, trained, features, report) -> serving.ModelPackage:
    example = pd.DataFrame({"text": [" ".join(map(str, s)) for s in features.splits["test"][:2]]})
    return serving.ModelPackage(ReverseModel, trained.model, {"digits": features.digits},
                                example)


def predict(inputs: list[str], model_uri: str | None) -> list[dict]:
    model = local_models.load_task_model("reverse", model_uri)
    answers = model.predict(pd.DataFrame({"text": list(inputs)}))
    return [{"input": text, **answer} for text, answer in zip(inputs, answers, strict=True)]


def score_model(cfg, raw, features, model) -> dict[str, float]:
    from toy_task.stages import scores

    test = features.splits["test"]
    answers = serving.answers_or_raise(
        model.predict(pd.DataFrame({"text": [" ".join(map(str, s)) for s in test]})),
        "test sequence")
    predicted = np.array([[int(w) for w in a["reversed"].split()] for a in answers])
    return scores(test, predicted)
