"""`time_budget`: training ends after the epoch when one more would overrun the budget."""

import keras
import numpy as np

from pipelines.core.training import fit, time_budget


def tiny_fit(minutes):
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x.sum(1, keepdims=True)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    budget = time_budget(minutes)
    history = model.fit(x, y, validation_data=(x, y), epochs=4, verbose=0,
                        callbacks=[budget])
    return len(history.epoch), budget.stopped_early


def test_a_spent_budget_stops_after_the_first_epoch():
    assert tiny_fit(0.0) == (1, True)


def test_an_ample_budget_changes_nothing():
    assert tiny_fit(60.0) == (4, False)


class Batches(keras.utils.PyDataset):
    def __len__(self):
        return 2

    def __getitem__(self, index):
        return np.ones((4, 2), "float32"), np.ones((4, 1), "float32")


def test_fit_takes_extra_callbacks():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    trained = fit(model, Batches(), Batches(), epochs=3, patience=5, reduce_lr=False,
                  extra_callbacks=[time_budget(0.0)])
    assert trained.epochs_run == 1
