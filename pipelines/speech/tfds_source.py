"""TFDS `speech_commands` (Google Speech Commands), imported only when asked for.

It is read from the TFDS data dir (`$TFDS_DATA_DIR`, else `<data home>/tensorflow_datasets`)
and is never downloaded here: a missing install or dataset is a clear error.
"""

from __future__ import annotations

import os

import numpy as np

from pipelines.core import datahome
from pipelines.core.errors import ConfigError, DataMissingError
from pipelines.core.types import Provenance
from pipelines.speech.audio import resample
from pipelines.speech.config import SpeechConfig
from pipelines.speech.raw import Clip, SpeechRaw

DATASETS = ("speech_commands",)
SPLITS = {"train": "train", "validation": "val", "test": "test"}


def data_dir() -> str:
    return os.environ.get("TFDS_DATA_DIR") or str(datahome.dataset_path("tensorflow_datasets"))


def load(cfg: SpeechConfig, name: str) -> SpeechRaw:
    if name not in DATASETS:
        raise ConfigError(f"data.source=tfds:{name} is not supported; use "
                          f"{', '.join('tfds:' + d for d in DATASETS)}.")
    where = data_dir()
    try:
        import tensorflow_datasets as tfds

        builder = tfds.builder(name, data_dir=where)
        splits = {s: builder.as_dataset(split=s) for s in SPLITS}
        label_names = builder.info.features["label"].names
        rate = int(builder.info.features["audio"].sample_rate)
    except Exception as exc:  # not installed, not prepared, unreadable: all the user's to fix
        raise DataMissingError(
            f"TFDS dataset {name!r} is not available in {where} ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}). rnnkit does not download it "
            f"(~2.4 GB): run `tfds build {name} --data_dir {where}` (needs tensorflow-datasets "
            f"and network), or set TFDS_DATA_DIR to a folder that holds it."
        ) from exc
    clips, resampled = [], 0
    limit = cfg.data.max_files
    for split, ours in SPLITS.items():
        for i, example in enumerate(tfds.as_numpy(splits[split])):
            if limit is not None and i >= limit:
                break
            audio = np.asarray(example["audio"], dtype="float32") / 32768.0
            audio = resample(audio, rate, cfg.featurize.sample_rate)
            resampled += rate != cfg.featurize.sample_rate
            if audio.size:
                clips.append(Clip(f"{split}/{i}", audio, label_names[int(example["label"])],
                                  split=ours))
    provenance = Provenance(f"tfds:{name}", where, "", len(clips))
    return SpeechRaw(clips, provenance, cfg.featurize.sample_rate, [], resampled)
