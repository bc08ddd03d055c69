"""Checkpoint averaging for the translator: which weights to keep after training.

Trains the default translator once (the task's own stages; overrides as on the command
line), keeps every epoch's weights, and scores the model that early stopping restores
(`best`) against the element-wise mean of the last k = 2, 3, 4 epochs' weights (Vaswani et al.
2017 average their last checkpoints; Izmailov et al. 2018, SWA):

```
θ̄_k = (1/k) Σ_{i=E-k+1}^{E} θ_i        (θ_i: all weights after epoch i of E)
```

For each variant: validation loss and greedy BLEU on the validation pairs (what a
choice may use), then greedy and beam BLEU on the test pairs as `rnnkit run translate`
scores them.

    PYTHONPATH=$PWD RNNKIT_DATA_HOME=../shared/datasets \\
        python experiments/translate_averaging.py [key=value ...]
"""

import sys
import time

import keras
import numpy as np

from pipelines.core import tasks
from pipelines.translate.evaluate import decode, known_targets, scored_pairs, scores
from pipelines.translate.featurize import featurize
from pipelines.translate.ingest import ingest
from pipelines.translate.train import train
from pipelines.translate.translator import Translator


class EpochWeights(keras.callbacks.Callback):
    """Keeps a copy of the model's weights after every epoch."""

    def on_train_begin(self, logs=None):
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append([np.array(w) for w in self.model.get_weights()])


def bleu(translator, sources, references, beam, known):
    out = decode(translator, list(dict.fromkeys(sources)), beam)
    return scores([out[s].text for s in sources], references, sources, known)


def main(overrides: list[str]) -> None:
    start = time.perf_counter()
    cfg = tasks.get_task("translate").load_config("default", overrides)
    feats = featurize(cfg, ingest(cfg))
    kept = EpochWeights()
    trained = train(cfg, feats, callbacks=[kept])
    model = trained.model
    print(f"trained {trained.epochs_run} epochs in {trained.seconds / 60:.1f} min, "
          f"best epoch {trained.best_epoch}", flush=True)
    variants = {"best": model.get_weights()}
    for k in (k for k in (2, 3, 4) if k <= len(kept.epochs)):
        variants[f"last{k}"] = [np.mean(ws, axis=0) for ws in zip(*kept.epochs[-k:],
                                                                    strict=True)]
    e = cfg.evaluate
    known = known_targets(feats)
    val_split = feats.splits["val"]
    test_sources, test_refs = scored_pairs(cfg, feats)
    val = feats.batches(cfg, "val")
    rows = []
    for name, weights in variants.items():
        model.set_weights(weights)
        translator = Translator(model, feats.codec, e.batch_size, e.length_alpha)
        loss = model.evaluate(val, verbose=0)
        loss = float(loss[0] if isinstance(loss, list) else loss)
        v = bleu(translator, list(val_split.sources), list(val_split.targets), 1, known)
        g = bleu(translator, test_sources, test_refs, 1, known)
        b = bleu(translator, test_sources, test_refs, e.beam, known)
        rows.append((name, loss, v["bleu"], g["bleu"], g["chrf"], b["bleu"], b["chrf"]))
        print(f"{name:6s} val loss {loss:.4f} val greedy {v['bleu']:.2f} | test greedy "
              f"{g['bleu']:.2f} (chrF {g['chrf']:.1f}) beam{e.beam} {b['bleu']:.2f} "
              f"(chrF {b['chrf']:.1f})", flush=True)
    print("\n| weights | val loss | val BLEU greedy | test BLEU greedy | chrF | "
          f"test BLEU beam {e.beam} | chrF |\n|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print("| " + " | ".join([r[0], f"{r[1]:.4f}", *(f"{x:.1f}" for x in r[2:])]) + " |")
    print(f"\n{(time.perf_counter() - start) / 60:.1f} min in all")


if __name__ == "__main__":
    main(sys.argv[1:])
