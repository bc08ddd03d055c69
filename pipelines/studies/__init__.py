"""Studies: rnnkit's claims turned into evidence, one config and one command each.

`rnnkit study NAME [--smoke]` runs `pipelines.studies.<NAME>.run` on the params of
`experiments/studies/<NAME>.yaml` and writes `experiments/results/<NAME>/` (see
`framework`).
"""

from pipelines.studies.framework import (
    STUDIES,
    StudyOutput,
    StudyRun,
    UnknownStudyError,
    available,
    load_params,
    run_study,
)

__all__ = [
    "STUDIES",
    "StudyOutput",
    "StudyRun",
    "UnknownStudyError",
    "available",
    "load_params",
    "run_study",
]
