"""A chatbot's intents (the README's example file) through the sentiment task: several
classes from a CSV, served by name, each answer explained."""

import json
import re
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.runner import run_task
from store_testing import store_at

README = Path(__file__).parents[3] / "README.md"


def readme_intents() -> str:
    """The ```csv block of the README that starts with `text,intent`."""
    return re.search(r"```csv\n(text,intent\n.*?)```", README.read_text(), re.S).group(1)


@pytest.mark.slow
def test_the_readme_intents_train_serve_and_explain(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store_at(tmp_path / "mlflow.db"))
    path = tmp_path / "intents.csv"
    path.write_text(readme_intents())
    rows = [line.rsplit(",", 1) for line in readme_intents().splitlines()[1:]]
    result = run_task("sentiment", "smoke", [
        f"data.source=csv:{path}", "data.label_column=intent", "train.epochs=25",
        "featurize.vocab_size=200"])
    assert "4 classes (greeting, music, time, weather)" in result.outputs.tables["summary"]
    assert "| text | label | predicted (p) | words that drove it |" in \
        result.outputs.tables["explanations"]

    model = f"runs:/{result.run_id}/model"
    cli = CliRunner()
    texts = [text for text, _ in rows]
    out = cli.invoke(app, ["predict", "sentiment", *texts, "--json", "--explain",
                           "--model", model])
    assert out.exit_code == 0, out.output
    answers = json.loads(out.stdout.strip().splitlines()[-1])
    right = sum(a["label"] == intent for a, (_, intent) in zip(answers, rows, strict=True))
    assert right >= 0.8 * len(rows), [a["label"] for a in answers]  # it learned the file
    for answer, text in zip(answers, texts, strict=True):
        assert set(answer["probabilities"]) == {"greeting", "music", "time", "weather"}
        sizes = [abs(t["contribution"]) for t in answer["explanation"]]
        assert sizes == sorted(sizes, reverse=True)  # the largest first
        words = re.findall(r"[^\W_]+(?:'[^\W_]+)*|[!?]", text.lower())
        assert {t["token"] for t in answer["explanation"]} <= set(words)
    served = mlflow.pyfunc.load_model(model)  # rnnkit serve's model: explain is a param
    [plain], [explained] = (served.predict(pd.DataFrame({"text": ["hello there"]}), params=p)
                            for p in ({}, {"explain": True}))
    assert "explanation" not in plain and explained["explanation"][0]["token"] in {
        "hello", "there"}
    shown = cli.invoke(app, ["predict", "sentiment", "what time is it?", "--explain",
                             "--model", model])
    assert shown.exit_code == 0
    assert re.search(r"\n  [+-]\d\.\d{3}  time", shown.stdout), shown.stdout


@pytest.mark.parametrize("task", ["speech", "forecast"])
def test_tasks_that_cannot_explain_say_so(task):
    out = CliRunner().invoke(app, ["predict", task, "x.wav", "--explain"])
    assert out.exit_code != 0 and "cannot explain its predictions" in out.output
