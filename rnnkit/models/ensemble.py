"""An ensemble of trained models as one model: the mean of their outputs."""

import keras


def average_models(members, name="ensemble"):
    """One Keras model answering the mean of `members`' outputs.

    ```
    ŷ(x) = (1/M) Σ_m f_m(x)
    ```

    For classifiers the outputs are probabilities, so this is the average of the
    members' predictive distributions (a deep ensemble, Lakshminarayanan et al. 2017:
    members trained from different seeds disagree most where they are wrong). The
    members keep their weights and layers; the ensemble has fresh inputs of the same
    names, shapes and dtypes as the first member's, and saves and loads as one model.

    Args:
        members: Functional Keras models with the same inputs and output shape, each
            with its own name.
        name: The ensemble's name.

    Example:

    ```python
    members = [build_classifier(10, input_dim=13, name=f"member_{i}") for i in range(3)]
    model = average_models(members)   # model.output_shape == (None, 10)
    ```
    """
    members = list(members)
    if not members:
        raise ValueError("`members` must hold at least one model. Received: members=[]")
    names = [m.name for m in members]
    if len(set(names)) != len(names):
        raise ValueError(f"Each member needs its own name. Received: names={names}")
    if len(members) == 1:
        return members[0]
    template = members[0].input
    fresh = keras.tree.map_structure(
        lambda t: keras.Input(t.shape[1:], dtype=t.dtype, name=t.name), template)
    outputs = keras.layers.Average(name="mean_of_members")([m(fresh) for m in members])
    return keras.Model(fresh, outputs, name=name)
