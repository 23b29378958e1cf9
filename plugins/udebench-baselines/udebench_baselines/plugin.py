"""The udebench hooks of udebench-baselines: what it registers, nothing else (no torch import here)."""

from __future__ import annotations

from udebench.plugin import hookimpl
from udebench_baselines.specs import MODELS


@hookimpl
def register_models(register):
    for spec in MODELS:
        register(spec)
