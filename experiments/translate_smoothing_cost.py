"""What label smoothing costs a translate training step, computed two ways (TensorFlow).

The smoothed token loss is `NLL + ε·(z_y − mean_k z_k)` (see
`rnnkit.models.masked_sparse_crossentropy`). Over the logits `z` `[B, T, V]` the extra
term is memory-bound. With `z = h·W + b` (the output layer), the same term is

```
z_y − mean_k z_k = h·(W[:, y] − mean_k W[:, k]) + b_y − mean_k b_k
```

which is `[B, T, units]` work. This script times a training step of the default
translate model (random ids, batch 128, 16 target steps, 4k/6k vocabularies) with no
smoothing, with the term over the logits (`MaskedSparseCrossentropy(ε)`) and with it
over the features (what `Seq2Seq.compile(label_smoothing=ε)`, the translate default,
does). It first checks that the two smoothed losses agree.

    TF_CPP_MIN_LOG_LEVEL=2 python experiments/translate_smoothing_cost.py
"""

import time

import keras
import numpy as np
import tensorflow as tf

from pipelines.core import tasks
from pipelines.translate.train import build_model
from rnnkit.models import masked_sparse_crossentropy
from rnnkit.models.token_loss import smoothing_term

B, S, T, SOURCE_VOCAB, V, EPS = 128, 14, 16, 4000, 6000, 0.1


def main():
    rng = np.random.default_rng(0)
    x = {"source": tf.constant(rng.integers(1, SOURCE_VOCAB, (B, S)).astype("int32")),
         "target_in": tf.constant(rng.integers(1, V, (B, T)).astype("int32"))}
    y = tf.constant(rng.integers(1, V, (B, T)).astype("int32"))
    model = build_model(tasks.get_task("translate").load_config("default", []),
                        SOURCE_VOCAB, V, 800)
    dense = model.get_layer("logits")
    both = keras.Model(model.inputs, [model.outputs[0], dense.input])
    optimizer = keras.optimizers.Adam(1e-3)

    def loss_of(kind, logits, h):
        if kind == "none":
            return masked_sparse_crossentropy(y, logits)
        if kind == "over logits":
            return masked_sparse_crossentropy(y, logits, EPS)
        return masked_sparse_crossentropy(y, logits) + EPS * smoothing_term(h, dense, y)

    logits, h = both(x)
    a, b = (float(loss_of(k, logits, h)) for k in ("over logits", "over features"))
    print(f"smoothed loss over logits {a:.6f}, over features {b:.6f}")

    def make_step(kind):
        @tf.function
        def step():
            with tf.GradientTape() as tape:
                logits, h = both(x, training=True)
                loss = loss_of(kind, logits, h)
            grads = tape.gradient(loss, both.trainable_variables)
            optimizer.apply(grads, both.trainable_variables)
        return step

    steps = {kind: make_step(kind) for kind in ("none", "over logits", "over features")}
    for step in steps.values():
        for _ in range(3):
            step()
    for _ in range(2):
        for kind, step in steps.items():
            start = time.perf_counter()
            for _ in range(15):
                step()
            print(f"{kind:14s} {(time.perf_counter() - start) / 15 * 1000:.0f} ms/step",
                  flush=True)


if __name__ == "__main__":
    main()
