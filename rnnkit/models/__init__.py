"""Models built from rnnkit layers: the registry and task models.

Importing this package registers every rnnkit serializable, so a saved `.keras` file of
any of these models loads after `import rnnkit.models`.
"""

from rnnkit.models.classifier import build_classifier, classifier_paths
from rnnkit.models.ensemble import average_models
from rnnkit.models.forecaster import build_forecaster
from rnnkit.models.loading import load_model
from rnnkit.models.registry import RECURRENT_NAMES, build_recurrent
from rnnkit.models.seq2seq import Seq2SeqInference, build_seq2seq
from rnnkit.models.token_loss import MaskedSparseCrossentropy, masked_sparse_crossentropy

__all__ = ["RECURRENT_NAMES", "MaskedSparseCrossentropy", "Seq2SeqInference",
           "average_models", "build_classifier", "build_forecaster", "build_recurrent",
           "build_seq2seq", "classifier_paths", "load_model", "masked_sparse_crossentropy"]
