"""Value and gradient of a scalar function on the TensorFlow backend."""

import tensorflow as tf


def value_and_grad(fn, x):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = fn(x)
    return value, tape.gradient(value, x)
