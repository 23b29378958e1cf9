"""What a leaderboard shows, as one frozen record that travels CLI → table builder."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_METRICS: tuple[str, ...] = ("abs_rel", "rmse", "a1")
DEFAULT_MEAN_LABEL = "mean(adverse)"
DEFAULT_RESAMPLES = 2000
DEFAULT_CONFIDENCE = 0.95


@dataclass(frozen=True)
class TableOptions:
    """Which runs, columns and statistics a leaderboard has (rendering choices such as decimals are apart).

    ``splits`` and ``mean_over`` take split names or fnmatch globs (a tuple or a comma-separated string).
    ``robustness`` adds, per condition group, DEE per condition, mCE against ``reference`` (a row label; by
    default a published reference where the group has one) and mRR against each model's own clean split.
    ``ci`` adds percentile-bootstrap intervals (``n_resamples`` per-image resamples, seeded by ``seed``).
    """

    splits: str | tuple[str, ...] | None = "*"
    #: rows to show: labels (``model`` or ``model[tag]``) or globs, a tuple or comma-separated; None = all
    models: str | tuple[str, ...] | None = None
    metrics: tuple[str, ...] = DEFAULT_METRICS
    #: metric -> True when higher is better (↑), as the metric registry says
    higher_is_better: Mapping[str, bool] = field(default_factory=dict)
    mean_over: str | tuple[str, ...] | None = None
    mean_label: str = DEFAULT_MEAN_LABEL
    #: splits named outright keep this order; the others follow, grouped by dataset
    split_order: tuple[str, ...] = ()
    robustness: bool = False
    reference: str | None = None
    ci: bool = False
    confidence: float = DEFAULT_CONFIDENCE
    n_resamples: int = DEFAULT_RESAMPLES
    seed: int = 0


@dataclass(frozen=True)
class ReportOptions:
    """What ``udebench report`` puts in its HTML file besides the table (``table``)."""

    table: TableOptions = field(default_factory=TableOptions)
    #: the metric of the charts and of "worst images"
    metric: str = "abs_rel"
    #: sample ids shown for every model on every split; () = the first image all shown runs of a split share
    samples: tuple[str, ...] = ()
    #: how many worst images per model (0 = none)
    worst: int = 3
    #: weights files to re-run tagged runs with, matched to runs by sha256
    weights: tuple[str, ...] = ()
    device: str | None = "cpu"
    data_root: str | None = None
    title: str = "udebench report"
    #: at most this many splits get a grid of the chosen samples (KITTI-C has 90)
    max_grid_splits: int = 8
    progress: bool = True
