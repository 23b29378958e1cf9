"""The udebench hooks of udebench-baselines: what it registers, nothing else (no torch import here)."""

from __future__ import annotations

from udebench.plugin import hookimpl
from udebench_baselines.specs import MD4ALL, MONODEPTH2


@hookimpl
def register_models(register):
    register(MONODEPTH2)
    register(MD4ALL)
