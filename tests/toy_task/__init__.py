"""A toy task in its own files only: reverse a short sequence of digits.

It exists to show (and test, in tests/pipelines/test_toy_task.py) that a task is its
package: with ``RNNKIT_TASKS=toy_task`` it runs through ``rnnkit run``, ``compare``,
``predict`` and ``retrain`` with no edit anywhere else.
"""

from pipelines.core.tasks import TaskSpec
from toy_task.config import ReverseConfig

TASK = TaskSpec(
    name="reverse",
    summary="Reverse a short sequence of digits (the toy task of the tests).",
    config=ReverseConfig,
    home=__name__,
    metrics={"accuracy": True, "sequence_accuracy": True},
    stages={"ingest": ".stages:ingest", "featurize": ".stages:featurize",
            "train": ".stages:train", "evaluate": ".stages:evaluate"},
    package=".serving:package",
    predict=".serving:predict",
    score_model=".serving:score_model",
    sources=("digits",),
)
