"""Robustness scores after RoboDepth (Kong et al., "RoboDepth: Robust Out-of-Distribution Depth
Estimation under Corruptions", NeurIPS 2023), on plain python floats.

* ``DEE = (abs_rel - a1 + 1) / 2``: one depth-estimation error in [0, 1] from AbsRel and δ1.
* ``CE = sum_l DEE_model(l) / sum_l DEE_reference(l)``: corruption error of a condition relative to a
  reference model (RoboDepth sums over the severity levels ``l`` of a corruption; one value is one
  level). ``mCE`` is the mean CE over conditions.
* ``RR = sum_l (1 - DEE(l)) / (L * (1 - DEE_clean))``: resilience rate of a condition relative to the
  same model on clean data. ``mRR`` is the mean RR over conditions.

All results are fractions: RoboDepth prints ``100 * mCE`` and ``100 * mRR`` as percentages (the
reference model scores mCE = 1.0, i.e. 100 %).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence

__all__ = ["corruption_error", "dee", "mean_corruption_error", "mean_resilience_rate", "resilience_rate"]

DeeLevels = float | Sequence[float]


def dee(abs_rel: float, a1: float) -> float:
    """Depth estimation error ``(abs_rel - a1 + 1) / 2`` (RoboDepth); 0 is perfect."""
    return (float(abs_rel) - float(a1) + 1.0) / 2.0


def _levels(value: DeeLevels, what: str) -> list[float]:
    levels = [float(value)] if isinstance(value, numbers.Real) else [float(v) for v in value]
    if not levels:
        raise ValueError(f"{what}: no DEE value given")
    return levels


def corruption_error(dee_model: DeeLevels, dee_reference: DeeLevels) -> float:
    """``sum(DEE_model) / sum(DEE_reference)`` over the severity levels of one condition (or one value each)."""
    model = _levels(dee_model, "corruption_error model")
    reference = _levels(dee_reference, "corruption_error reference")
    if len(model) != len(reference):
        raise ValueError(f"corruption_error: {len(model)} model levels but {len(reference)} reference levels")
    denominator = math.fsum(reference)
    if denominator == 0:
        raise ValueError("corruption_error: the reference DEE is 0, so the ratio is undefined")
    return math.fsum(model) / denominator


def _check_conditions(given: Mapping[str, DeeLevels], what: str) -> None:
    if not given:
        raise ValueError(f"{what}: no condition given")


def mean_corruption_error(dee_model: Mapping[str, DeeLevels], dee_reference: Mapping[str, DeeLevels]) -> float:
    """mCE: mean over the conditions of ``dee_model`` of their :func:`corruption_error` against the reference."""
    _check_conditions(dee_model, "mean_corruption_error")
    missing = sorted(set(dee_model) - set(dee_reference))
    if missing:
        raise ValueError(f"mean_corruption_error: the reference has no DEE for condition(s) {', '.join(missing)}")
    errors = [corruption_error(dee_model[c], dee_reference[c]) for c in dee_model]
    return math.fsum(errors) / len(errors)


def resilience_rate(dee_cond: DeeLevels, dee_clean: float) -> float:
    """``mean_l (1 - DEE(l)) / (1 - DEE_clean)``; for one value ``(1 - dee_cond) / (1 - dee_clean)``."""
    levels = _levels(dee_cond, "resilience_rate")
    denominator = 1.0 - float(dee_clean)
    if denominator == 0:
        raise ValueError("resilience_rate: the clean DEE is 1, so the ratio is undefined")
    return math.fsum(1.0 - level for level in levels) / (len(levels) * denominator)


def mean_resilience_rate(dee_by_condition: Mapping[str, DeeLevels], dee_clean: float) -> float:
    """mRR: mean over conditions of :func:`resilience_rate` against the same model's clean DEE."""
    _check_conditions(dee_by_condition, "mean_resilience_rate")
    rates = [resilience_rate(levels, dee_clean) for levels in dee_by_condition.values()]
    return math.fsum(rates) / len(rates)
