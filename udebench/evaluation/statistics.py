"""Confidence intervals and paired tests on per-image metric values (DESIGN.md §4, §8).

Inputs are 1-D sequences of finite floats: drop the images whose status is not ``"ok"`` first (their
metrics are NaN), and for :func:`paired_test` line the two models' values up by sample id. numpy and
scipy are imported inside the functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["bootstrap_ci", "bootstrap_means", "paired_bootstrap", "paired_test", "percentile_interval"]

#: at most this many resampled indices are held in memory at once.
_CHUNK_ELEMENTS = 4_000_000


def _finite_1d(values: Sequence[float], name: str):
    import numpy as np

    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise ValueError(f"{name} has {bad} non-finite value(s); drop images whose status is not 'ok' first")
    return array


def bootstrap_means(values: Sequence[float], *, n_resamples: int = 2000, seed: int = 0):
    """``n_resamples`` means of ``values`` resampled with replacement (numpy ``default_rng(seed)``).

    The same seed and the same number of values give the same draws, so two runs over the same images
    (in the same order) are resampled in pairs.
    """
    import numpy as np

    array = _finite_1d(values, "values")
    if array.size == 0:
        raise ValueError("bootstrap: no values")
    if n_resamples < 1:
        raise ValueError(f"bootstrap: n_resamples must be >= 1, got {n_resamples}")
    rng = np.random.default_rng(seed)
    n = array.size
    per_chunk = max(1, _CHUNK_ELEMENTS // n)
    means = np.empty(n_resamples)
    for start in range(0, n_resamples, per_chunk):
        stop = min(start + per_chunk, n_resamples)
        means[start:stop] = array[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    return means


def percentile_interval(resampled: Sequence[float], confidence: float = 0.95) -> tuple[float, float]:
    """``(low, high)``: the ``(1 - confidence)/2`` and ``(1 + confidence)/2`` percentiles of resampled statistics."""
    import numpy as np

    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    alpha = (1.0 - confidence) / 2.0
    low, high = np.percentile(np.asarray(resampled, dtype=np.float64), [100.0 * alpha, 100.0 * (1.0 - alpha)])
    return float(low), float(high)


def bootstrap_ci(
    values: Sequence[float], *, n_resamples: int = 2000, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float, float]:
    """``(mean, low, high)``: the sample mean and a percentile-bootstrap confidence interval of the mean.

    ``n_resamples`` resamples with replacement (:func:`bootstrap_means`, so the same seed gives the
    same interval); ``low``/``high`` are the ``(1 - confidence)/2`` and ``(1 + confidence)/2``
    percentiles of the resampled means.
    """
    array = _finite_1d(values, "values")
    if array.size == 0:
        raise ValueError("bootstrap_ci: no values")
    if not 0 < confidence < 1:
        raise ValueError(f"bootstrap_ci: confidence must be in (0, 1), got {confidence}")
    if n_resamples < 1:
        raise ValueError(f"bootstrap_ci: n_resamples must be >= 1, got {n_resamples}")
    low, high = percentile_interval(bootstrap_means(array, n_resamples=n_resamples, seed=seed), confidence)
    return float(array.mean()), low, high


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], *, n_resamples: int = 2000, confidence: float = 0.95, seed: int = 0
) -> dict[str, float]:
    """The mean of ``a - b`` (pairs resampled together) with its percentile interval and a two-sided p-value.

    ``p = min(1, 2 * min(P*(mean <= 0), P*(mean >= 0)))`` over the resampled means of the differences:
    how often resampling the images flips the sign of the difference.
    """
    import numpy as np

    x, y = _finite_1d(a, "a"), _finite_1d(b, "b")
    if x.size != y.size:
        raise ValueError(f"paired_bootstrap: a has {x.size} values but b has {y.size}; pair them by sample id")
    diff = x - y
    means = bootstrap_means(diff, n_resamples=n_resamples, seed=seed)
    low, high = percentile_interval(means, confidence)
    tail = min(float(np.mean(means <= 0.0)), float(np.mean(means >= 0.0)))
    return {"mean_diff": float(diff.mean()), "low": low, "high": high, "p": min(1.0, 2.0 * tail)}


def paired_test(a: Sequence[float], b: Sequence[float]) -> dict[str, Any]:
    """Paired tests of ``a`` against ``b`` (same images, same order).

    Returns ``n``, ``mean_diff`` (mean of ``a - b``), ``wilcoxon_statistic``/``wilcoxon_p`` (scipy's
    two-sided Wilcoxon signed-rank test, zero differences dropped) and ``ttest_statistic``/``ttest_p``
    (two-sided paired t-test). Identical samples (all differences 0) give statistics 0 and p = 1;
    differences that are all the same non-zero value (up to rounding) give ``t = ±inf``, ``ttest_p = 0``. With fewer
    than two pairs the t-test is undefined (NaN).
    """
    import numpy as np
    from scipy import stats

    x, y = _finite_1d(a, "a"), _finite_1d(b, "b")
    if x.size != y.size:
        raise ValueError(f"paired_test: a has {x.size} values but b has {y.size}; pair them by sample id")
    if x.size == 0:
        raise ValueError("paired_test: no values")
    diff = x - y
    result: dict[str, Any] = {"n": int(diff.size), "mean_diff": float(diff.mean())}

    if not diff.any():
        result.update(wilcoxon_statistic=0.0, wilcoxon_p=1.0, ttest_statistic=0.0, ttest_p=1.0)
        return result

    wilcoxon = stats.wilcoxon(diff, zero_method="wilcox", alternative="two-sided")
    result.update(wilcoxon_statistic=float(wilcoxon.statistic), wilcoxon_p=float(wilcoxon.pvalue))

    if diff.size < 2:
        result.update(ttest_statistic=math.nan, ttest_p=math.nan)
    elif np.ptp(diff) <= 16 * np.finfo(np.float64).eps * np.abs(diff).max():
        # a constant non-zero shift (up to rounding): zero variance, infinitely significant
        result.update(ttest_statistic=math.copysign(math.inf, float(diff[0])), ttest_p=0.0)
    else:
        ttest = stats.ttest_rel(x, y)
        result.update(ttest_statistic=float(ttest.statistic), ttest_p=float(ttest.pvalue))
    return result
