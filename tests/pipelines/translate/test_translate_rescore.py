"""score_model (the retrain hook): a translator pyfunc scored on this run's test pairs."""

import types

import pytest

from pipelines.core.errors import RnnkitUserError
from pipelines.translate.evaluate import scores
from pipelines.translate.featurize import featurize
from pipelines.translate.ingest import ingest
from pipelines.translate.leak import known_words
from pipelines.translate.rescore import score_model


class LookupPyfunc:
    """A 'pyfunc' translating by table (unknown sentences: copied), recording its calls."""

    def __init__(self, table, direction="en-es"):
        self.table, self.calls = table, []
        self._python_model = types.SimpleNamespace(
            codec=types.SimpleNamespace(direction=direction))

    def unwrap_python_model(self):
        return self._python_model

    def predict(self, frame, params=None):
        self.calls.append((list(frame["text"]), params))
        return [{"translation": self.table.get(t, t)} for t in frame["text"]]


@pytest.fixture
def run(write_pairs, make_cfg):
    pairs = [(f"Tom has {n} cats.", f"Tom tiene {n} gatos.") for n in range(2, 40)]
    cfg = make_cfg(data={"source": f"file:{write_pairs(pairs)}"},
                   featurize={"test_fraction": 0.3, "val_fraction": 0.1},
                   evaluate={"beam": 3})
    return cfg, featurize(cfg, ingest(cfg))


def test_each_distinct_test_source_is_decoded_once_with_the_runs_beam(run):
    cfg, features = run
    test = features.splits["test"]
    half = dict(list(zip(test.sources, test.targets, strict=True))[: len(test) // 2])
    model = LookupPyfunc(half)

    scored = score_model(cfg, None, features, model)

    [(texts, params)] = model.calls
    assert texts == list(dict.fromkeys(test.sources)) and params == {"beam": 3}
    known = known_words(features.splits["train"].targets)
    expected = scores([half.get(s, s) for s in test.sources], test.targets, test.sources, known)
    assert scored == pytest.approx(expected) and 0 < scored["bleu"] < 100
    exact = dict(zip(test.sources, test.targets, strict=True))
    perfect = score_model(cfg, None, features, LookupPyfunc(exact))
    assert perfect["bleu"] == pytest.approx(100.0)
    # the copied half keeps "has" and "cats", which no Spanish training target holds
    assert perfect["source_leak"] == 0 and 0 < scored["source_leak"] < 100


def test_a_translator_of_the_other_direction_is_not_comparable(run):
    cfg, features = run
    with pytest.raises(RnnkitUserError, match="translates es-en, this run's pairs are en-es"):
        score_model(cfg, None, features, LookupPyfunc({}, direction="es-en"))
