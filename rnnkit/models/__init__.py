"""Models built from rnnkit layers: the registry and task models."""

from rnnkit.models.classifier import build_classifier
from rnnkit.models.forecaster import build_forecaster
from rnnkit.models.registry import RECURRENT_NAMES, build_recurrent

__all__ = ["RECURRENT_NAMES", "build_classifier", "build_forecaster", "build_recurrent"]
