"""Models built from rnnkit layers: the registry, and task models as they land."""

from rnnkit.models.registry import RECURRENT_NAMES, build_recurrent

__all__ = ["RECURRENT_NAMES", "build_recurrent"]
