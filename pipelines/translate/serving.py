"""The translator as an MLflow model (strings in, strings out) and `rnnkit translate`."""

from __future__ import annotations

import warnings
from pathlib import Path

import mlflow
import pandas as pd

from pipelines.core import tracking
from pipelines.core.errors import RnnkitUserError
from pipelines.translate.translator import TranslationWarning, Translator

TEXT_COLUMN, OUTPUT_COLUMN = "text", "translation"
EXAMPLE = ["Where is the train station?", "Tom doesn't like cats."]


class TranslateModel(mlflow.pyfunc.PythonModel):
    """pyfunc: a DataFrame with a ``text`` column in, a ``translation`` column out;
    ``params={"beam": k}`` picks beam search (1: greedy)."""

    def load_context(self, context):
        self.translator = Translator.from_files(context.artifacts["model"],
                                                context.artifacts["codec"])

    def predict(self, context, model_input, params: dict | None = None):
        beam = int((params or {}).get("beam", 1))
        texts = tracking.pyfunc_texts(model_input, TEXT_COLUMN)
        return pd.DataFrame({OUTPUT_COLUMN: self.translator.translate(texts, beam)})


def register(cfg, trained, features, report, run):
    """Log the translator (model + codec JSON, string signature) and register it."""
    translator = Translator(trained.model, features.codec)
    example = pd.DataFrame({TEXT_COLUMN: EXAMPLE})
    output = pd.DataFrame({OUTPUT_COLUMN: translator.translate(EXAMPLE)})
    signature = mlflow.models.infer_signature(example, output, params={"beam": 1})
    tracking.log_keras_pyfunc(run, Path(__file__).with_name("pyfunc_model.py"), trained.model,
                              {"codec": features.codec}, example, output,
                              extra_requirements=["sacrebleu"], signature=signature)


def translate_texts(texts: list[str], model_uri: str | None = None,
                    beam: int = 1) -> tuple[list[str], list[str]]:
    """`rnnkit translate`: translations in input order, and one warning per bad line
    (empty: translated as ""; longer than the model's limit: cut)."""
    if beam < 1:
        raise RnnkitUserError(f"--beam must be at least 1 (1 is greedy). Received: {beam}.")
    if not texts:
        raise RnnkitUserError("No sentences: give TEXT arguments or --input-file PATH.")
    model = tracking.load_task_model("translate", model_uri)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TranslationWarning)
        frame = model.predict(pd.DataFrame({TEXT_COLUMN: [str(t) for t in texts]}),
                              params={"beam": beam})
    notes = [str(w.message) for w in caught if issubclass(w.category, TranslationWarning)]
    return [str(t) for t in frame[OUTPUT_COLUMN]], notes


def read_sentences(path: Path) -> list[str]:
    """One sentence a line; blank lines are kept (they translate to blank lines)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RnnkitUserError(f"--input-file {path} is not UTF-8 text.") from exc
    except OSError as exc:
        raise RnnkitUserError(f"Cannot read --input-file {path}: {exc.strerror or exc}.") from exc
    return text.splitlines()


def predict(inputs: list[str], model_uri: str | None) -> list[dict]:
    """`rnnkit predict translate TEXT ...`: ``{"input", "translation"}`` per text (greedy)."""
    translations, _ = translate_texts(list(inputs), model_uri, beam=1)
    return [{"input": text, "translation": out}
            for text, out in zip(inputs, translations, strict=True)]
