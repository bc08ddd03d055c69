"""The served model of every task: one base class, one answer per input.

``rnnkit predict``, ``rnnkit serve`` (MLflow's scoring server) and ``rnnkit retrain``
all answer through the same logged model -- the task's ``TaskModel`` over the same
artifacts, whether MLflow loads it or `pipelines.core.local_models` does -- so they can
never disagree. Its ``predict`` returns a
list with one dict per input, in input order: the task's answer
(``{"label", "probabilities"}``, ``{"forecast"}``, ``{"translation"}``) or
``{"error": "..."}`` for an input it cannot answer -- one bad wav or empty text never
stops the others.

A task's model class subclasses ``TaskModel`` and says how to read the inputs
(``read``), check one (``prepare``, raising ``InputError``) and answer the good ones
(``answer``). It is logged as a "model from code" through the one entry point
``pipelines/core/pyfunc_entry.py`` with ``model_config={"class": "module:Class"}``: nothing
is pickled, and the class is imported from the installed rnnkit when the model loads.
This module does not import MLflow (``rnnkit predict`` may load a model without it,
`pipelines.core.local_models`); the MLflow side is `pipelines.core.pyfunc_model`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pipelines.core.errors import RnnkitUserError

ERROR = "error"
MAX_TEXT_CHARS = 100_000  # a longer text is refused (the models read a few hundred tokens)
SHOWN_CHARS = 200  # an input echoed back is cut to this many characters


class InputError(RnnkitUserError):
    """One input the model cannot answer; the other inputs are answered all the same."""


class BadRequest(RnnkitUserError):
    """The request as a whole cannot be answered (no text column, beam < 1): a user error
    for ``rnnkit predict``, a 400 with this message for the scoring server
    (`pipelines.core.pyfunc_model.ModelFromConfig` turns it into MLflow's BAD_REQUEST)."""


def answer_each(items: Sequence[Any], prepare: Callable[[Any, int], Any],
                answer: Callable[[list[Any]], list[dict]]) -> list[dict]:
    """``answer`` the items ``prepare(item, position)`` accepts (positions from 1), in
    one batch; ``{"error": why}`` for the ones it refuses; one dict per item, in order."""
    prepared, out = [], [None] * len(items)
    for position, item in enumerate(items):
        try:
            prepared.append((position, prepare(item, position + 1)))
        except InputError as exc:
            out[position] = {ERROR: str(exc)}
    answers = answer([value for _, value in prepared]) if prepared else []
    for (position, _), result in zip(prepared, answers, strict=True):
        out[position] = result
    return out


def check_text(text: Any, position: int) -> str:
    """A text to classify or translate: a non-empty string of at most MAX_TEXT_CHARS."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"Input {position} is empty ({shown(text)!r}): give a text.")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"Input {position} is {len(text):,} characters long; the limit is "
                         f"{MAX_TEXT_CHARS:,}.")
    return text


def shown(value: Any) -> Any:
    """``value`` as it is echoed back: a long string cut to SHOWN_CHARS, with its length."""
    if isinstance(value, str) and len(value) > SHOWN_CHARS:
        return f"{value[:SHOWN_CHARS]}... ({len(value):,} characters)"
    return value


def texts_of(model_input: Any, column: str = "text") -> list:
    """The strings a text pyfunc was given: a DataFrame's ``column`` (else its first
    column), a Series or array, one string, or any iterable of strings."""
    import numpy as np
    import pandas as pd

    if isinstance(model_input, pd.DataFrame):
        if model_input.shape[1] == 0:
            raise RnnkitUserError(f"The input has no columns; give a {column!r} column.")
        name = column if column in model_input else model_input.columns[0]
        return model_input[name].tolist()
    if isinstance(model_input, pd.Series | np.ndarray):
        return list(model_input.tolist())
    if isinstance(model_input, str):
        return [model_input]
    return list(model_input)


class TaskModel:
    """A Keras model and its JSON preprocessors, answering each input on its own.

    Subclasses set ``preprocessors`` (artifact name -> class with ``load(path)``; the
    object becomes the attribute of that name) and implement ``read``, ``prepare`` and
    ``answer``. ``from_objects`` builds one in-process from the trained objects: the
    very code path of the loaded model, so what is logged is what serves.
    """

    preprocessors: ClassVar[dict[str, type]] = {}
    optional: ClassVar[frozenset[str]] = frozenset()  # absent from older saved models: None

    def load_context(self, context):
        from rnnkit.models import load_model  # registers rnnkit's layers; no TF probe

        self.model = load_model(context.artifacts["model"], compile=False)
        for name, cls in self.preprocessors.items():
            if name in self.optional and name not in context.artifacts:
                setattr(self, name, None)
                continue
            setattr(self, name, cls.load(context.artifacts[name]))

    @classmethod
    def from_objects(cls, model, **preprocessors) -> TaskModel:
        self = cls()
        self.model = model
        for name, value in preprocessors.items():
            setattr(self, name, value)
        return self

    def predict(self, context, model_input, params: dict | None = None):
        params = dict(params or {})
        try:
            return answer_each(self.read(model_input),
                               lambda item, position: self.prepare(item, position, params),
                               lambda good: self.answer(good, params))
        except BadRequest:
            raise
        except RnnkitUserError as exc:
            raise BadRequest(str(exc)) from exc

    def read(self, model_input) -> list:
        """The inputs in ``model_input``, one per answer."""
        raise NotImplementedError

    def prepare(self, item, position: int, params: dict) -> Any:
        """``item`` (the ``position``-th, from 1) checked and e.g. decoded; ``InputError``
        when it cannot be answered."""
        return item

    def answer(self, items: list, params: dict) -> list[dict]:
        """One answer dict per prepared item."""
        raise NotImplementedError


@dataclass
class ModelPackage:
    """What a task's ``package`` hook hands the runner to log and register.

    Args:
        model_class: The task's ``TaskModel`` subclass.
        keras_model: The trained model (saved as ``model.keras``).
        preprocessors: Artifact name -> object with ``save(path)`` (``JsonState``).
        example: The input example (and what the signature is inferred from).
        requirements: Pip requirements beyond keras, mlflow, pandas and numpy.
        optional_columns: Input columns of which a row may give any one (e.g. a wav
            ``path`` or ``audio`` samples): the signature marks them not required.
        params: Inference params and their defaults (e.g. ``{"beam": 1}``).
        tags: Run tags to set with it (e.g. which fold's model this is).
    """

    model_class: type
    keras_model: Any
    preprocessors: Mapping[str, Any]
    example: Any
    requirements: Sequence[str] = ()
    optional_columns: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def answers(self) -> list[dict]:
        """What the packaged model answers for ``example``, in-process."""
        model = self.model_class.from_objects(self.keras_model, **self.preprocessors)
        return model.predict(None, self.example, dict(self.params or {}))


def __getattr__(name: str):
    # models logged before pyfunc_model.py existed run ``from pipelines.core.serving
    # import ModelFromConfig`` in their copy of the entry point
    if name == "ModelFromConfig":
        from pipelines.core.pyfunc_model import ModelFromConfig

        return ModelFromConfig
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def task_model_class(path: str) -> type[TaskModel]:
    """The class ``module:Class`` names, or a user error saying it cannot be imported."""
    import importlib

    module, _, name = path.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise RnnkitUserError(f"This model's class {path!r} cannot be imported from the "
                              f"installed rnnkit: {exc}.") from exc


def class_path(cls: type) -> str:
    """``module:Class``, as ``ModelFromConfig`` imports it."""
    return f"{cls.__module__}:{cls.__qualname__}"


def task_model(pyfunc) -> Any:
    """The task's model object inside a loaded pyfunc (``TaskModel`` or an older class)."""
    inner = pyfunc.unwrap_python_model() if hasattr(pyfunc, "unwrap_python_model") else pyfunc
    return getattr(inner, "inner", None) or inner


def answers_or_raise(answers: list[dict], what: str) -> list[dict]:
    """``answers`` when none is an error, else a ``RnnkitUserError`` naming the first
    (for scoring, where every input must be answered)."""
    for position, answer in enumerate(answers, start=1):
        if ERROR in answer:
            raise RnnkitUserError(f"The model could not answer {what} {position}: "
                                  f"{answer[ERROR]}")
    return answers


def probabilities_of(answers: list[dict], labels: Sequence[str]):
    """The ``[inputs, classes]`` probabilities of classifier answers, in ``labels``
    order; a ``RnnkitUserError`` when the model predicts other classes."""
    import numpy as np

    theirs = sorted(answers[0]["probabilities"]) if answers else sorted(labels)
    if theirs != sorted(labels):
        raise RnnkitUserError(f"The model predicts the classes {theirs}, this run's data has "
                              f"{sorted(labels)}: they cannot be compared.")
    return np.array([[a["probabilities"][name] for name in labels] for a in answers],
                    dtype="float64")
