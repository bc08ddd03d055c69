"""Speech: spoken digits / commands from log-mel spectrogram chunks, one frame per RNN step."""

from pipelines.core.tasks import TaskSpec
from pipelines.speech.config import SOURCES, SpeechConfig

TASK = TaskSpec(
    name="speech",
    summary="Spoken-digit / speech-command recognition from spectrogram chunks.",
    config=SpeechConfig,
    home=__name__,
    metrics={"accuracy": True, "f1": True},
    key_params=("model.cell", "model.units", "data.split", "train.epochs"),
    package=".serving:package",
    predict=".serving:predict",
    score_model=".rescore:score_model",
    sources=SOURCES,
)
