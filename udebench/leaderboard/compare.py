"""Paired comparison of two models on one split: the same images, image by image.

The two runs are the ones the leaderboard shows (:meth:`ResultsStore.latest_complete_runs`). Their
images are paired by sample id; when the runs do not cover the same images (a ``--limit`` run, samples
skipped with an error, a metric NaN on some images) the comparison is refused with the reason, since a
difference of means over different images says nothing about the models.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from udebench.errors import UdebenchError

if TYPE_CHECKING:
    from udebench.results.store import ResultsStore
    from udebench.results.summary import RunSummary


@dataclass(frozen=True)
class Comparison:
    """A − B on ``metric`` over ``n`` paired images: difference, interval, tests and who wins how often."""

    a: str
    b: str
    split: str
    metric: str
    higher_is_better: bool | None
    n: int
    mean_a: float
    mean_b: float
    mean_diff: float
    low: float
    high: float
    confidence: float
    bootstrap_p: float
    wilcoxon_p: float
    wins_a: int
    wins_b: int
    ties: int
    n_resamples: int
    seed: int
    run_a: int
    run_b: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def better(self) -> str | None:
        """The label whose mean is better (None when equal or the direction is unknown)."""
        if self.higher_is_better is None or self.mean_diff == 0:
            return None
        a_higher = self.mean_diff > 0
        return self.a if a_higher == self.higher_is_better else self.b


def _run_of(runs: list[RunSummary], label: str, split: str, store: ResultsStore) -> RunSummary:
    for run in runs:
        if run.label == label:
            return run
    stored = sorted(r.label for r in runs)
    where = f"models with one: {', '.join(stored)}" if stored else "no model has one"
    raise UdebenchError(f"{label}: no complete run on {split} in {store.path} ({where}); "
                        f"run `udebench evaluate --model {label.split('[')[0]} --split {split}` first")


def _why(label: str, run: RunSummary) -> str:
    reasons = []
    if run.limited:
        reasons.append(f"{label}'s run stopped at --limit {run.options.get('limit')}")
    if run.n_errors:
        reasons.append(f"{label} skipped {run.n_errors} sample(s) with an error")
    skipped = run.n_invalid_predictions + run.n_no_valid_gt
    if skipped:
        reasons.append(f"{label} has {skipped} sample(s) without a score (invalid prediction or no valid GT)")
    return "; ".join(reasons)


def compare_runs(
    store: ResultsStore,
    a: str,
    b: str,
    split: str,
    metric: str = "abs_rel",
    *,
    higher_is_better: bool | None = None,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Comparison:
    """Pair ``a``'s and ``b``'s images on ``split`` (labels ``model`` or ``model[tag]``) and compare ``metric``."""
    import numpy as np

    from udebench.evaluation.statistics import paired_bootstrap, paired_test
    from udebench.leaderboard.per_image import load_per_image, split_seed

    if a == b:
        raise UdebenchError(f"compare {a} with another model, not with itself")
    runs = store.latest_complete_runs(split)
    runs = [r for r in runs if r.split == split]
    run_a, run_b = _run_of(runs, a, split, store), _run_of(runs, b, split, store)
    for label, run in ((a, run_a), (b, run_b)):
        if metric not in run.metrics:
            raise UdebenchError(f"{label}'s run {run.run_id} on {split} has no {metric}; it has "
                                f"{', '.join(sorted(run.metrics)) or 'no metric'}")
    images_a, images_b = load_per_image(store, run_a.run_id, [metric]), load_per_image(store, run_b.run_id, [metric])
    scored_a = {s: v for s, v in zip(images_a.sample_ids, images_a.values[metric], strict=True) if np.isfinite(v)}
    scored_b = {s: v for s, v in zip(images_b.sample_ids, images_b.values[metric], strict=True) if np.isfinite(v)}
    if set(scored_a) != set(scored_b):
        only_a = [s for s in scored_a if s not in scored_b]
        only_b = [s for s in scored_b if s not in scored_a]
        parts = [f"{len(only_a)} only in {a} (e.g. {', '.join(only_a[:3])})" if only_a else "",
                 f"{len(only_b)} only in {b} (e.g. {', '.join(only_b[:3])})" if only_b else ""]
        reasons = "; ".join(r for r in (_why(a, run_a), _why(b, run_b)) if r)
        raise UdebenchError(
            f"cannot pair {a} and {b} on {split}: {a} has {metric} on {len(scored_a)} images, {b} on "
            f"{len(scored_b)}; {', '.join(p for p in parts if p)}" + (f" ({reasons})" if reasons else "")
            + "; evaluate both on the whole split (without --limit) so they cover the same images")
    if not scored_a:
        raise UdebenchError(f"{a} and {b} have no image with {metric} on {split}")
    ids = list(scored_a)
    x = np.array([scored_a[s] for s in ids])
    y = np.array([scored_b[s] for s in ids])
    boot = paired_bootstrap(x, y, n_resamples=n_resamples, confidence=confidence, seed=split_seed(seed, split))
    wilcoxon_p = paired_test(x, y)["wilcoxon_p"]
    a_higher, b_higher = int((x > y).sum()), int((x < y).sum())
    if higher_is_better is False:
        wins_a, wins_b = b_higher, a_higher
    else:  # higher is better, or unknown: "wins" then counts the higher value
        wins_a, wins_b = a_higher, b_higher
    return Comparison(
        a=a, b=b, split=split, metric=metric, higher_is_better=higher_is_better, n=len(ids),
        mean_a=float(x.mean()), mean_b=float(y.mean()), mean_diff=boot["mean_diff"], low=boot["low"],
        high=boot["high"], confidence=confidence, bootstrap_p=boot["p"], wilcoxon_p=float(wilcoxon_p),
        wins_a=wins_a, wins_b=wins_b, ties=len(ids) - a_higher - b_higher, n_resamples=n_resamples, seed=seed,
        run_a=run_a.run_id, run_b=run_b.run_id,
    )


def _p(value: float, n_resamples: int | None = None) -> str:
    if math.isnan(value):
        return "nan"
    if n_resamples is not None and value == 0:
        return f"< {1 / n_resamples:.1g}"
    return f"{value:.2g}" if value < 0.001 else f"{value:.3f}"


def describe(c: Comparison, *, alpha: float = 0.05) -> str:
    """A few lines a person reads: means, the difference with its interval, the two tests, the wins, a verdict."""
    from udebench.specs import arrow

    name = f"{c.metric}{arrow(c.higher_is_better)}"
    width = max(len(c.a), len(c.b))
    lines = [
        f"{name} on {c.split}: {c.a} vs {c.b}, {c.n} images paired by sample id (runs {c.run_a}, {c.run_b})",
        f"  {c.a:<{width}}  mean {c.mean_a:.4f}",
        f"  {c.b:<{width}}  mean {c.mean_b:.4f}",
        f"  difference {c.a} − {c.b}: {c.mean_diff:+.4f}  [{c.low:+.4f}, {c.high:+.4f}] "
        f"{100 * c.confidence:g} % paired bootstrap ({c.n_resamples} resamples, seed {c.seed}), "
        f"p {_p(c.bootstrap_p, c.n_resamples)}",
        f"  Wilcoxon signed-rank p = {_p(c.wilcoxon_p)}",
        f"  {c.a} better on {c.wins_a} images, {c.b} on {c.wins_b}, ties {c.ties}",
    ]
    better = c.better
    if better is None:
        lines.append("  no difference" if c.mean_diff == 0 else "  direction of the metric unknown: no verdict")
    elif c.wilcoxon_p < alpha and c.low * c.high > 0:
        lines.append(f"  {better} is better, significant at {alpha:g} (both tests, interval excludes 0)")
    else:
        lines.append(f"  {better} has the better mean, but the difference is not significant at {alpha:g}")
    return "\n".join(lines) + "\n"
