"""Greedy and beam-search decoding of a `Seq2SeqInference`, batched, in NumPy.

```
greedy: y_t = argmax_y log p(y | y_<t, x)            until </s> or the length limit
beam:   keep the k best prefixes by Σ_t log p(y_t | y_<t, x); a candidate ending in
        </s> among the k best is finished; a sentence stops once it has k finished
        hypotheses (or reaches its length limit); the answer maximises the
        length-normalised score  Σ_t log p / |y|^α   (|y| counts </s>; α = 1 default)
```
With `beam=1` both give the same tokens: the best candidate is either </s> (done) or
the one prefix kept.
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class Hypothesis:
    """A decoded sentence: `tokens` (without </s>), `attention` `[len(tokens), S]` (each
    row the source weights of that target token), and `score` = Σ log p."""

    tokens: list
    attention: np.ndarray
    score: float
    ended: bool = True

    def normalized(self, alpha=1.0):
        return self.score / max(1, len(self.tokens) + int(self.ended)) ** alpha


def _limits(max_lengths, n):
    limits = np.broadcast_to(np.asarray(max_lengths, dtype="int64"), (n,)).copy()
    return np.maximum(limits, 1)


def _attention(rows, width):
    return np.stack(rows) if rows else np.zeros((0, width), dtype="float32")


def greedy_search(inference, source_ids, *, start_id, end_id, max_lengths):
    """The argmax token at every step, for each row of `source_ids` `[B, S]`.

    `max_lengths`: the most tokens (without </s>) per row, an int or `[B]`.
    Returns one `Hypothesis` per row.
    """
    source_ids = np.asarray(source_ids, dtype="int32")
    n, width = source_ids.shape
    limits = _limits(max_lengths, n)
    encoded, states = inference.encode(source_ids)
    tokens = np.full(n, start_id, dtype="int32")
    out = [[] for _ in range(n)]
    weights_of = [[] for _ in range(n)]
    scores = np.zeros(n)
    ended = np.zeros(n, dtype=bool)
    done = np.zeros(n, dtype=bool)
    while not done.all():
        log_probs, weights, states = inference.step(tokens, states, encoded, source_ids)
        tokens = log_probs.argmax(axis=-1).astype("int32")
        for i in np.flatnonzero(~done):
            scores[i] += log_probs[i, tokens[i]]
            if tokens[i] == end_id:
                done[i] = ended[i] = True
                continue
            out[i].append(int(tokens[i]))
            weights_of[i].append(weights[i])
            done[i] = len(out[i]) >= limits[i]
    return [Hypothesis(out[i], _attention(weights_of[i], width), float(scores[i]),
                       bool(ended[i])) for i in range(n)]


def beam_search(inference, source_ids, *, beam, start_id, end_id, max_lengths, alpha=1.0):
    """The best of `beam` hypotheses per row by length-normalised log-probability.

    Args:
        inference: a `Seq2SeqInference` (or anything with its `encode`/`step`).
        source_ids: int `[B, S]`, padding 0.
        beam: beam width k ≥ 1.
        start_id, end_id: ids of `<s>` and `</s>`.
        max_lengths: the most tokens (without </s>) per row, an int or `[B]`.
        alpha: length-normalisation exponent (0: raw log-probability).

    Returns:
        One `Hypothesis` per row.
    """
    if int(beam) < 1:
        raise ValueError(f"beam must be at least 1. Received: beam={beam}")
    k = int(beam)
    source_ids = np.asarray(source_ids, dtype="int32")
    n, width = source_ids.shape
    limits = _limits(max_lengths, n)
    encoded, states = inference.encode(source_ids)
    rows = np.repeat(np.arange(n), k)
    encoded, ids = encoded[rows], source_ids[rows]
    states = [s[rows] for s in states]
    scores = np.full((n, k), -np.inf)
    scores[:, 0] = 0.0  # all beams start equal: expand only the first
    tokens = np.full(n * k, start_id, dtype="int32")
    prefixes = [[[] for _ in range(k)] for _ in range(n)]
    weights_of = [[[] for _ in range(k)] for _ in range(n)]
    finished = [[] for _ in range(n)]
    active = np.ones(n, dtype=bool)
    while active.any():
        log_probs, weights, states = inference.step(tokens, states, encoded, ids)
        vocab = log_probs.shape[-1]
        total = (scores.reshape(-1, 1) + log_probs).reshape(n, k * vocab)
        top = np.argpartition(-total, 2 * k - 1, axis=1)[:, : 2 * k]
        order = np.take_along_axis(total, top, axis=1).argsort(axis=1, kind="stable")[:, ::-1]
        top = np.take_along_axis(top, order, axis=1)
        new_scores = np.full((n, k), -np.inf)
        parents = np.zeros((n, k), dtype="int64")
        new_tokens = np.full((n, k), end_id, dtype="int32")
        new_prefixes = [[[] for _ in range(k)] for _ in range(n)]
        new_weights = [[[] for _ in range(k)] for _ in range(n)]
        for i in np.flatnonzero(active):
            kept = 0
            for rank, candidate in enumerate(top[i]):
                score = total[i, candidate]
                if not np.isfinite(score) or kept == k:
                    break
                b, y = divmod(int(candidate), vocab)
                if y == end_id:
                    if rank < k:
                        finished[i].append(Hypothesis(
                            prefixes[i][b], _attention(weights_of[i][b], width), float(score)))
                    continue
                prefix = prefixes[i][b] + [y]
                seen = weights_of[i][b] + [weights[i * k + b]]
                if len(prefix) >= limits[i]:
                    finished[i].append(Hypothesis(prefix, _attention(seen, width),
                                                  float(score), ended=False))
                    continue
                new_scores[i, kept], parents[i, kept], new_tokens[i, kept] = score, b, y
                new_prefixes[i][kept], new_weights[i][kept] = prefix, seen
                kept += 1
            active[i] = kept > 0 and len(finished[i]) < k
        gather = (np.arange(n)[:, None] * k + parents).reshape(-1)
        states = [s[gather] for s in states]
        scores, tokens = new_scores, new_tokens.reshape(-1)
        prefixes, weights_of = new_prefixes, new_weights
    return [max(f, key=lambda h: h.normalized(alpha)) for f in finished]
