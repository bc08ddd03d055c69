"""Sentiment levers, one at a time: one path of the default classifier trained alone.

Featurizes IMDB with the default profile plus the given overrides, trains only the
chosen path as `rnnkit run sentiment` trains it (the n-gram path: `train.ngram_epochs`
at a constant rate, its best validation epoch kept; the recurrent path: `train.epochs`
with the default schedule), and prints that path's test accuracy. `--ppmi` first sets the
recurrent path's embedding to word vectors fitted on the training split only:

```
C[i, j]  = Σ over training texts of co-occurrences of words i and j within ±5 words
PPMI     = max(0, log(C[i, j] · Σ c^0.75 / (Σ_j C[i, j] · c_j^0.75)))    (c: column sums)
E        = U_k Σ_k^½ of its truncated SVD, rows scaled to norm 0.05 √k    (k = embedding_dim)
```

    PYTHONPATH=$PWD RNNKIT_DATA_HOME=../shared/datasets \\
        python experiments/sentiment_levers.py wide model.ngram_order=3
    python experiments/sentiment_levers.py deep featurize.head_fraction=1.0
    python experiments/sentiment_levers.py deep --ppmi
"""

import sys
import time

import keras
import numpy as np

from pipelines.core import tasks
from pipelines.core.training import CLASSIFIER_COMPILE, adam, fit
from pipelines.sentiment.featurize import featurize
from pipelines.sentiment.ingest import ingest
from pipelines.sentiment.train import OnePath, build_model
from rnnkit.models import classifier_paths

INPUT = {"wide": "ngrams", "deep": "tokens"}


def ppmi_vectors(sequences, vocab_size: int, dim: int, window: int = 5) -> np.ndarray:
    """The word vectors of the module doc, `[vocab_size, dim]` (ids 0, 1 stay unseen)."""
    from scipy import sparse
    from sklearn.decomposition import TruncatedSVD

    rows, cols = [], []
    for ids in sequences:
        for d in range(1, window + 1):
            rows.append(ids[:-d])
            cols.append(ids[d:])
    r, c = np.concatenate(rows), np.concatenate(cols)
    keep = (r > 1) & (c > 1)
    counts = sparse.coo_matrix((np.ones(keep.sum()), (r[keep], c[keep])),
                               shape=(vocab_size, vocab_size)).tocsr()
    counts = (counts + counts.T).tocoo()
    row_sums = np.asarray(counts.sum(axis=1)).ravel()
    context = np.asarray(counts.sum(axis=0)).ravel() ** 0.75
    pmi = np.log(counts.data * context.sum() / (row_sums[counts.row] * context[counts.col]))
    ppmi = sparse.csr_matrix((np.maximum(pmi, 0), (counts.row, counts.col)),
                             shape=(vocab_size, vocab_size))
    svd = TruncatedSVD(dim, random_state=0).fit(ppmi)
    vectors = svd.transform(ppmi) / np.sqrt(svd.singular_values_)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    return (vectors / norms * 0.05 * np.sqrt(dim)).astype("float32")


def main(path: str, overrides: list[str], ppmi: bool) -> None:
    start = time.perf_counter()
    cfg = tasks.get_task("sentiment").load_config("default", overrides)
    feats = featurize(cfg, ingest(cfg))
    t = cfg.train
    keras.utils.set_random_seed(t.seed)
    train, val, test = (feats.batches(cfg, s, shuffle=s == "train")
                        for s in ("train", "val", "test"))
    model = build_model(cfg, feats.encoder.vocab_size, len(feats.labels), len(train))
    model.get_layer("ngram_logits").set_scale(feats.ngram_scale)
    if ppmi:
        embedding = next(x for x in model.layers if isinstance(x, keras.layers.Embedding))
        embedding.set_weights([ppmi_vectors(feats.splits["train"].ids,
                                            feats.encoder.vocab_size, cfg.model.embedding_dim)])
    one = classifier_paths(model)[path]
    rate = keras.optimizers.Adam(t.learning_rate) if path == "wide" else adam(t, len(train))
    one.compile(optimizer=rate, **CLASSIFIER_COMPILE)
    key = INPUT[path]
    trained = fit(one, OnePath(train, key), OnePath(val, key), reduce_lr=False,
                  epochs=t.ngram_epochs if path == "wide" else t.epochs,
                  patience=1 if path == "wide" else t.patience)
    probs = one.predict(OnePath(test, key), verbose=0)
    accuracy = np.mean(probs.argmax(axis=1) == feats.splits["test"].labels[test.order])
    print(f"{path} path, {' '.join(overrides) or 'default'}{' + PPMI vectors' * ppmi}: "
          f"test accuracy {accuracy:.4f} (best epoch {trained.best_epoch}, "
          f"{time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0] not in INPUT:
        sys.exit(__doc__)
    main(args[0], [a for a in args[1:] if a != "--ppmi"], "--ppmi" in args)
