"""Errors a user can cause and fix, kept apart from bugs.

The CLI prints any ``RnnkitUserError`` as one paragraph on stderr, without a traceback
(unless ``--debug``), and exits with its ``exit_code``.
"""

from __future__ import annotations


class RnnkitUserError(Exception):
    """Base of every error caused by input the user can fix (config, data, arguments)."""

    exit_code: int = 1


class ConfigError(RnnkitUserError):
    """A config file, profile or ``key=value`` override is invalid."""


class DataMissingError(RnnkitUserError):
    """A dataset file is not in the data home and could not be downloaded."""


class UnknownTaskError(RnnkitUserError):
    """The task name is not in the registry."""


class NotAvailableError(RnnkitUserError):
    """A task or command that is planned but not written yet."""

    exit_code = 2


class StageError(Exception):
    """A stage of a task failed; the original exception is kept as ``__cause__``.

    Args:
        task: the task's name, e.g. ``"forecast"``.
        stage: the stage that failed: ``ingest``, ``featurize``, ``train``, ``evaluate``,
            ``log`` (logging the results) or ``register``.
        run_id: the MLflow run that was marked FAILED, if one had started.
    """

    def __init__(self, task: str, stage: str, run_id: str | None, cause: BaseException):
        self.task = task
        self.stage = stage
        self.run_id = run_id
        where = f" (MLflow run {run_id} marked FAILED)" if run_id else ""
        super().__init__(
            f"Stage '{stage}' of task '{task}' failed{where}: {type(cause).__name__}: {cause}"
        )

    @property
    def is_user_error(self) -> bool:
        """True when the stage failed on input the user can fix."""
        return isinstance(self.__cause__, RnnkitUserError)
