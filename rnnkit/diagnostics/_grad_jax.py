"""Value and gradient of a scalar function on the JAX backend."""

import jax


def value_and_grad(fn, x):
    return jax.value_and_grad(fn)(jax.numpy.asarray(x))
