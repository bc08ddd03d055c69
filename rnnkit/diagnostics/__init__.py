"""Diagnostics of trained recurrent models: gradients through time."""

from rnnkit.diagnostics.gradients import gradient_norms

__all__ = ["gradient_norms"]
