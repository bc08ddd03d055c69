"""Shared helpers of the layer tests: a NumPy RNN loop and save/load checks."""

import keras
import numpy as np


def numpy_rnn(step, x, states, mask=None, go_backwards=False):
    """Run `step(x_t, states) -> (output, new_states)` over `x` `[B, T, D]`.

    Keras's masking rule: at a masked step the states are kept and the output
    repeats the previous output (zeros before the first unmasked step).
    Returns `(outputs [B, T, O], final_states)`.
    """
    batch, steps = x.shape[:2]
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    outputs, previous = [], None
    states = [np.array(s, dtype="float64") for s in states]
    for t in order:
        out, new_states = step(x[:, t].astype("float64"), states)
        if previous is None:
            previous = np.zeros_like(out)
        if mask is not None:
            keep = mask[:, t][:, None]
            out = np.where(keep, out, previous)
            new_states = [np.where(keep, n, s) for n, s in zip(new_states, states, strict=True)]
        outputs.append(out)
        previous, states = out, new_states
    return np.stack(outputs, axis=1), states


def random_mask(batch, steps, seed=0):
    """A mask with leading, interior and trailing gaps, never all False."""
    rng = np.random.default_rng(seed)
    mask = rng.random((batch, steps)) > 0.3
    mask[:, steps // 2] = True
    mask[0, -2:] = False  # right padding
    mask[-1, :2] = False  # left padding
    return mask


def tanh(v):
    return np.tanh(v)


def weights_of(layer):
    """Variables of a layer by their short name, as float64 NumPy arrays."""
    return {w.path.split("/")[-1]: np.asarray(w.numpy(), dtype="float64") for w in layer.weights}


def save_and_reload(model, tmp_path, name="model.keras"):
    path = tmp_path / name
    model.save(path)
    return keras.models.load_model(path)


def load_legacy_model(name):
    """A model saved by an older rnnkit, kept as text and arrays (no binary `.keras` in
    git): `tests/rnnkit/models/fixtures/<name>.json` is the `config.json` of the saved
    file, `<name>_weights.npz` its weights in `get_weights()` order. Rebuilt through
    the same deserialization as `keras.saving.load_model`."""
    from pathlib import Path

    import keras
    import numpy as np

    import rnnkit.models  # noqa: F401  (registers rnnkit's serializables)

    fixtures = Path(__file__).parent / "rnnkit" / "models" / "fixtures"
    model = keras.models.model_from_json((fixtures / f"{name}.json").read_text())
    weights = np.load(fixtures / f"{name}_weights.npz")
    model.set_weights([weights[f"arr_{i}"] for i in range(len(weights.files))])
    return model
