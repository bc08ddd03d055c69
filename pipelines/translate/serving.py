"""The translator as an MLflow model (strings in, strings out) and `rnnkit translate`."""

from __future__ import annotations

import warnings
from pathlib import Path

from pipelines.core import local_models, serving
from pipelines.core.errors import RnnkitUserError
from pipelines.translate.codec import Codec
from pipelines.translate.translator import TranslationWarning, Translator

TEXT_COLUMN, OUTPUT_COLUMN = "text", "translation"
WARNING = "warning"
EXAMPLE = ["Where is the train station?", "Tom doesn't like cats."]


class TranslateModel(serving.TaskModel):
    """pyfunc: a DataFrame with a ``text`` column in; per text ``{"translation"}``, with a
    ``"warning"`` when the line was empty or cut; ``params={"beam": k}`` picks beam
    search (1: greedy)."""

    preprocessors = {"codec": Codec}

    @property
    def translator(self) -> Translator:
        if getattr(self, "_translator", None) is None:
            self._translator = Translator(self.model, self.codec)
        return self._translator

    def read(self, model_input) -> list:
        return serving.texts_of(model_input, TEXT_COLUMN)

    def prepare(self, item, position: int, params: dict):
        if isinstance(item, str) and len(item) > serving.MAX_TEXT_CHARS:
            serving.check_text(item, position)  # raises: too long to be a sentence
        return item if isinstance(item, str) else ""

    def answer(self, texts: list[str], params: dict) -> list[dict]:
        beam = int(params.get("beam", 1))
        if beam < 1:
            raise RnnkitUserError(f"beam must be at least 1 (1 is greedy). Received: {beam}.")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TranslationWarning)  # notes go in the answers
            done = self.translator.translate_detailed(texts, beam)
        return [{OUTPUT_COLUMN: t.text, **({WARNING: t.note} if t.note else {})} for t in done]


def package(cfg, trained, features, report) -> serving.ModelPackage:
    """The translator (model + codec JSON, its SentencePiece models inside, string
    signature, a beam param)."""
    import pandas as pd  # not at import: `rnnkit translate` needs no pandas

    return serving.ModelPackage(TranslateModel, trained.model, {"codec": features.codec},
                                pd.DataFrame({TEXT_COLUMN: EXAMPLE}),
                                requirements=["sacrebleu", "sentencepiece"], params={"beam": 1})


def translate_texts(texts: list[str], model_uri: str | None = None,
                    beam: int = 1) -> tuple[list[str], list[str]]:
    """`rnnkit translate`: translations in input order, and one warning per bad line
    (empty: translated as ""; longer than the model's limit: cut; refused: "")."""
    if beam < 1:
        raise RnnkitUserError(f"--beam must be at least 1 (1 is greedy). Received: {beam}.")
    if not texts:
        raise RnnkitUserError("No sentences: give TEXT arguments or --input-file PATH.")
    answers = translate_answers(texts, model_uri, beam)
    notes = [a.get(WARNING) or a.get(serving.ERROR) for a in answers]
    return [a.get(OUTPUT_COLUMN, "") for a in answers], [n for n in notes if n]


def translate_answers(texts: list[str], model_uri: str | None, beam: int) -> list[dict]:
    """The pyfunc's answers for ``texts`` (one dict per text)."""
    model = local_models.load_task_model("translate", model_uri)
    # the task's model in-process: the texts as they are, no DataFrame
    return serving.task_model(model).predict(None, [str(t) for t in texts], {"beam": beam})


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
    answers = translate_answers(list(inputs), model_uri, beam=1)
    return [{"input": serving.shown(text), **answer}
            for text, answer in zip(inputs, answers, strict=True)]
