"""Speech: spoken digits / commands from log-mel spectrogram chunks, one frame per RNN step."""

from pipelines.speech.config import SpeechConfig as Config
from pipelines.speech.evaluate import evaluate
from pipelines.speech.featurize import featurize
from pipelines.speech.ingest import SOURCES, ingest
from pipelines.speech.rescore import score_model
from pipelines.speech.serving import package, predict
from pipelines.speech.train import train

DESCRIPTION = "Spoken-digit / speech-command recognition from log-mel spectrogram chunks."

__all__ = ["Config", "DESCRIPTION", "SOURCES", "evaluate", "featurize", "ingest", "package",
           "predict",
           "score_model", "train"]
