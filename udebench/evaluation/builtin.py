"""The built-in metrics plugin: registers :data:`udebench.evaluation.metrics.BUILTIN_METRICS` through the same
``register_metrics`` hook a third-party plugin uses. Importing it does not import torch."""

from __future__ import annotations

from udebench.evaluation.metrics import BUILTIN_METRICS
from udebench.hookspecs import hookimpl
from udebench.specs import MetricSpec


@hookimpl
def register_metrics(register):
    for name, (fn, higher_is_better, description) in BUILTIN_METRICS.items():
        register(MetricSpec(name=name, fn=fn, higher_is_better=higher_is_better, description=description))
