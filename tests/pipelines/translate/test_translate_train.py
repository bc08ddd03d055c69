"""The translate model compiles with the configured label smoothing: the loss it reports
is `MaskedSparseCrossentropy(ε)` over its logits."""

import numpy as np
import pytest

from pipelines.core import tasks
from pipelines.core.errors import ConfigError
from pipelines.translate.train import build_model
from rnnkit.models import MaskedSparseCrossentropy

SMALL = ["model.encoder_units=4", "model.decoder_units=6", "model.attention_units=4",
         "model.embedding_dim=4", "model.output_units=null"]


@pytest.mark.parametrize("epsilon", [0.0, 0.1])
def test_the_model_is_compiled_with_the_configured_label_smoothing(epsilon):
    cfg = tasks.get_task("translate").load_config(
        "default", [*SMALL, f"train.label_smoothing={epsilon}"])
    model = build_model(cfg, source_vocab=12, target_vocab=10)
    assert model.label_smoothing == epsilon
    x = {"source": np.array([[4, 5, 6, 0]], "int32"),
         "target_in": np.array([[1, 7, 8, 0]], "int32")}
    y = np.array([[7, 8, 2, 0]], "int32")
    logits = np.asarray(model(x))
    expected = float(np.asarray(MaskedSparseCrossentropy(epsilon)(y, logits)))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_label_smoothing_must_be_below_one():
    with pytest.raises(ConfigError, match="label_smoothing"):
        tasks.get_task("translate").load_config("default", ["train.label_smoothing=1.0"])
