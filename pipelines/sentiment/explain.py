"""Why the classifier said what it said: each word's occlusion contribution.

```
ŷ      = argmax_c p(c | x)                       the predicted label
c_i    = p(ŷ | x) − p(ŷ | x with token i → <unk>)
```

`c_i > 0`: word i pushed the prediction towards ŷ; `c_i < 0`: against it. Replacing by
`<unk>` rather than deleting keeps every other word at its position, and the model has
seen `<unk>` in training (the vocabulary's tail, and word dropout). It asks the model
itself (one batch of `n + 1` variants per text), so it holds for any cell and pooling,
on any Keras backend; a word the vocabulary does not know is already `<unk>` and
contributes 0. With an n-gram channel the variant's bag is the whole text's with that
word read as `<unk>` too (its n-grams leave the bag, `<unk>`'s come in).
"""

from __future__ import annotations

import numpy as np

from pipelines.sentiment.batches import predict_proba
from pipelines.sentiment.text import UNK, UNK_ID, TextEncoder, tokenize

TOP_K = 8


def explain(model, encoder: TextEncoder, text: str, top_k: int = TOP_K) -> list[dict]:
    """The `top_k` words of `text` with the largest |contribution| to the predicted
    label, largest first: ``[{"token", "position", "contribution"}]``."""
    words, ids = encoder.words(text), encoder.encode_one(text)
    if not len(ids):
        return []
    variants = np.repeat(ids[None], len(ids) + 1, axis=0)
    variants[np.arange(1, len(ids) + 1), np.arange(len(ids))] = UNK_ID
    probs = predict_proba(model, list(variants), bags=_occluded_bags(encoder, text, len(ids)))
    label = int(np.argmax(probs[0]))
    contribution = probs[0, label] - probs[1:, label]
    order = np.argsort(-np.abs(contribution), kind="stable")[:top_k]
    return [{"token": words[i], "position": int(i), "contribution": float(contribution[i])}
            for i in order]


def _occluded_bags(encoder: TextEncoder, text: str, kept: int) -> list[np.ndarray] | None:
    """The whole text's bag, then one bag per kept word with that word as `<unk>`
    (kept word i of a cut text is word i of the head, or its place from the end)."""
    if not encoder.has_bag:
        return None
    full = tokenize(text)
    head = kept if len(full) <= kept else round(encoder.max_length * encoder.head_fraction)
    bags = [encoder.bag_of_words(full)]
    for i in range(kept):
        at = i if i < head else len(full) - (kept - i)
        bags.append(encoder.bag_of_words([*full[:at], UNK, *full[at + 1:]]))
    return bags


def explanations_table(model, encoder: TextEncoder, texts, labels, probs, count=6) -> str:
    """Markdown: for `count` test texts (the most confident right and wrong ones,
    alternately), the label, the prediction and the words that drove it."""
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    right = [i for i in np.argsort(-confidence) if predicted[i] == labels[i]]
    wrong = [i for i in np.argsort(-confidence) if predicted[i] != labels[i]]
    chosen = [i for pair in zip(right, wrong, strict=False) for i in pair][:count]
    chosen += [i for i in right if i not in chosen][: count - len(chosen)]
    names = encoder.labels
    lines = ["Occlusion contributions (p(predicted) − p(predicted with the word as <unk>)) "
             "of the most confident right and wrong test predictions.", "",
             "| text | label | predicted (p) | words that drove it |", "|---|---|---|---|"]
    for i in chosen:
        top = explain(model, encoder, texts[i], top_k=6)
        words = ", ".join(f"{t['token']} {t['contribution']:+.3f}" for t in top)
        shown = " ".join(str(texts[i]).split()).replace("|", "/")
        shown = shown if len(shown) <= 160 else shown[:160] + "…"
        lines.append(f"| {shown} | {names[labels[i]]} | {names[predicted[i]]} "
                     f"({confidence[i]:.3f}) | {words} |")
    return "\n".join(lines) + "\n"
