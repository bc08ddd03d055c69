"""What ingest returns: clips with labels, speakers, split hints and provenance."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from pipelines.core.types import Provenance

# FSDD file names: {digit}_{speaker}_{index}.wav
FSDD_NAME = re.compile(r"^(?P<label>[^_/]+)_(?P<speaker>[^_/]+)_(?P<index>\d+)\.wav$")


@dataclass
class Clip:
    """One utterance at the configured sample rate.

    Args:
        name: Where it came from (archive member or file path).
        label: Class name, e.g. `"7"`.
        speaker: Speaker id when known (FSDD file names), else None.
        index: Take number of the speaker (FSDD), else None.
        split: The source's own split (`train`/`val`/`test`), or None.
    """

    name: str
    audio: np.ndarray
    label: str
    speaker: str | None = None
    index: int | None = None
    split: str | None = None


@dataclass
class SpeechRaw:
    clips: list[Clip]
    provenance: Provenance
    sample_rate: int
    bad: list[str] = field(default_factory=list)
    resampled: int = 0

    @property
    def labels(self) -> list[str]:
        """Class names, digits in numeric order, others alphabetical."""
        names = {c.label for c in self.clips}
        return sorted(names, key=lambda s: (not s.isdigit(), int(s) if s.isdigit() else 0, s))


def parse_fsdd_name(basename: str) -> tuple[str, str, int] | None:
    """`(label, speaker, index)` of an FSDD-style file name, else None."""
    match = FSDD_NAME.match(basename)
    if match is None:
        return None
    return match["label"], match["speaker"], int(match["index"])
