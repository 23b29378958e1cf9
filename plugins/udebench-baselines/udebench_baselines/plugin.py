"""The udebench hooks of udebench-baselines: what it registers, nothing else (no torch import here)."""

from __future__ import annotations

from udebench.plugin import hookimpl
from udebench_baselines.specs import DEPTH_ANYTHING, DEPTH_ANYTHING_V2, DEPTH_PRO, DPT, MD4ALL, MONODEPTH2, ZOEDEPTH


@hookimpl
def register_models(register):
    register(MONODEPTH2)
    register(MD4ALL)
    for spec in (DEPTH_ANYTHING, DEPTH_ANYTHING_V2, DPT, ZOEDEPTH, DEPTH_PRO):
        register(spec)
