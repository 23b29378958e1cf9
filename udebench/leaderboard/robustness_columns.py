"""Robustness columns of a leaderboard: per condition group, DEE per condition, mCE and mRR (RoboDepth).

A group is found from the shown splits' :class:`udebench.specs.AdverseCondition`: its clean split and,
per condition, one split per severity. For one row (a model):

* ``DEE <condition>``: the DEE of the condition's splits, averaged over severities (``DEE clean``: its clean split);
* ``mRR``: :func:`udebench.evaluation.robustness.mean_resilience_rate` against the row's own clean split;
* ``mCE``: :func:`udebench.evaluation.robustness.mean_corruption_error` against a reference (another row, or a
  published row such as RoboDepth's MonoDepth2-R18 on KITTI-C).

mCE and mRR are in % (RoboDepth's convention); a row that lacks a split of the group gets NaN there.
Intervals resample each split's images (the same draws for every run on that split, so a stored reference
resamples in pairs with the model) and recompute the score from the resampled DEEs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from udebench.errors import UdebenchError
from udebench.evaluation.robustness import dee, mean_corruption_error, mean_resilience_rate

if TYPE_CHECKING:
    import numpy as np

    from udebench.leaderboard.published import PublishedReference
    from udebench.results.summary import RunSummary

MCE, MRR = "mCE", "mRR"
CLEAN = "clean"
#: direction of each robustness column (DEE columns are all lower-is-better)
ROBUSTNESS_HIGHER_IS_BETTER: dict[str, bool] = {MCE: False, MRR: True}
PERCENT_COLUMNS: tuple[str, ...] = (MCE, MRR)


def dee_label(condition: str) -> str:
    """The column of a condition's DEE: ``DEE night``, ``DEE clean``."""
    return f"DEE {condition}"


@dataclass(frozen=True)
class ConditionGroup:
    """A group as the shown splits make it up: the clean split and, per condition, its split per severity."""

    name: str
    clean_split: str
    #: condition -> {severity (None when ungraded): split}, conditions in the order the splits are shown
    conditions: dict[str, dict[int | None, str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name} robustness"

    @property
    def splits(self) -> list[str]:
        """Every split the group's scores read: the clean one first."""
        return [self.clean_split] + [s for levels in self.conditions.values() for s in levels.values()]

    def columns(self) -> list[str]:
        return list(self.column_splits())

    def column_splits(self) -> dict[str, list[str]]:
        """Each column and the splits it reads: mCE, mRR every split; a condition's DEE that condition's."""
        out = {MCE: self.splits, MRR: self.splits, dee_label(CLEAN): [self.clean_split]}
        out.update({dee_label(c): list(levels.values()) for c, levels in self.conditions.items()})
        return out


def condition_groups(splits: Sequence[str]) -> list[ConditionGroup]:
    """The groups of the adverse splits among ``splits`` (looked up in the registry), in the order shown."""
    from udebench.plugins import split_spec

    groups: dict[str, ConditionGroup] = {}
    for name in splits:
        try:
            adverse = split_spec(name).adverse
        except UdebenchError:  # a stored split no installed plugin registers: it belongs to no group
            continue
        if adverse is None:
            continue
        group = groups.setdefault(adverse.group, ConditionGroup(adverse.group, adverse.clean_split))
        if group.clean_split != adverse.clean_split:
            raise UdebenchError(f"split {name} says group {adverse.group} is scored against {adverse.clean_split}, "
                                f"other splits say {group.clean_split}; fix the plugin that registers it")
        group.conditions.setdefault(adverse.condition, {})[adverse.severity] = name
    for group in groups.values():
        for condition, levels in group.conditions.items():
            group.conditions[condition] = dict(sorted(levels.items(), key=lambda kv: (kv[0] is not None, kv[0] or 0)))
    return list(groups.values())


# ------------------------------------------------------------------ references
class Reference:
    """What mCE divides by: the DEE of each condition's levels, and its resampled DEEs for intervals."""

    label: str

    def levels(self, group: ConditionGroup, condition: str) -> list[float] | None:  # pragma: no cover - interface
        raise NotImplementedError

    def resampled(self, group: ConditionGroup, condition: str) -> list[Any] | None:  # pragma: no cover
        raise NotImplementedError

    def missing(self, group: ConditionGroup) -> list[str]:
        """What the reference lacks to score ``group`` (empty when it can)."""
        return [c for c in group.conditions if self.levels(group, c) is None]


@dataclass
class PublishedRow(Reference):
    """A published row: one DEE per condition (the mean over its severities), constant under resampling."""

    published: PublishedReference

    @property
    def label(self) -> str:  # type: ignore[override]
        return self.published.label

    def levels(self, group: ConditionGroup, condition: str) -> list[float] | None:
        shown = tuple(group.conditions[condition])
        if condition not in self.published.dee or shown != self.published.severities:
            return None  # the published mean is over other severities: not comparable
        return [self.published.dee[condition]] * len(shown)

    def resampled(self, group: ConditionGroup, condition: str) -> list[Any] | None:
        return self.levels(group, condition)

    def missing(self, group: ConditionGroup) -> list[str]:
        severities = ",".join(map(str, self.published.severities))
        return [f"{c} (published over severities {severities})" for c in group.conditions
                if self.levels(group, c) is None]


@dataclass
class StoredRow(Reference):
    """Another row of the same table (e.g. ``--reference monodepth2``): its runs' DEEs."""

    label: str
    split_dee: Callable[[str], float | None]
    split_resampled: Callable[[str], Any]

    def levels(self, group: ConditionGroup, condition: str) -> list[float] | None:
        values = [self.split_dee(s) for s in group.conditions[condition].values()]
        return None if any(v is None for v in values) else values  # type: ignore[return-value]

    def resampled(self, group: ConditionGroup, condition: str) -> list[Any] | None:
        draws = [self.split_resampled(s) for s in group.conditions[condition].values()]
        return None if any(d is None for d in draws) else draws

    def missing(self, group: ConditionGroup) -> list[str]:
        return [s for c, levels in group.conditions.items() for s in levels.values() if self.split_dee(s) is None]


def run_dee(run: RunSummary | None) -> float | None:
    """The DEE of a run's means (equal to the mean of its per-image DEEs); None without abs_rel and a1."""
    if run is None:
        return None
    abs_rel, a1 = run.metrics.get("abs_rel", math.nan), run.metrics.get("a1", math.nan)
    return None if math.isnan(abs_rel) or math.isnan(a1) else dee(abs_rel, a1)


# ------------------------------------------------------------------ scores
@dataclass(frozen=True)
class GroupScores:
    """One row's robustness columns (values keyed like :meth:`ConditionGroup.columns`) and their intervals."""

    values: dict[str, float]
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)


def _scores(group: ConditionGroup, clean: float | None, by_condition: Mapping[str, list[float] | None],
            reference: Mapping[str, list[float] | None] | None) -> dict[str, float]:
    out = {dee_label(CLEAN): math.nan if clean is None else clean}
    for condition, levels in by_condition.items():
        out[dee_label(condition)] = math.nan if levels is None else math.fsum(levels) / len(levels)
    complete = all(levels is not None for levels in by_condition.values())
    out[MRR] = (100.0 * mean_resilience_rate(by_condition, clean)  # type: ignore[arg-type]
                if complete and clean is not None else math.nan)
    reference_complete = reference is not None and all(reference.get(c) is not None for c in by_condition)
    out[MCE] = (100.0 * mean_corruption_error(by_condition, reference)  # type: ignore[arg-type]
                if complete and reference_complete else math.nan)
    return out


def group_scores(
    group: ConditionGroup,
    split_dee: Callable[[str], float | None],
    reference: Reference | None,
    *,
    split_resampled: Callable[[str], np.ndarray | None] | None = None,
    confidence: float = 0.95,
) -> GroupScores:
    """One row's scores on ``group``; with ``split_resampled`` (resampled DEE per split) also their intervals."""
    def levels_of(condition: str, lookup: Callable[[str], Any]) -> list[Any] | None:
        values = [lookup(s) for s in group.conditions[condition].values()]
        return None if any(v is None for v in values) else values

    ref_levels = None if reference is None else {c: reference.levels(group, c) for c in group.conditions}
    values = _scores(group, split_dee(group.clean_split), {c: levels_of(c, split_dee) for c in group.conditions},
                     ref_levels)
    if split_resampled is None:
        return GroupScores(values)

    import numpy as np

    from udebench.evaluation.statistics import percentile_interval

    clean = split_resampled(group.clean_split)
    by_condition = {c: levels_of(c, split_resampled) for c in group.conditions}
    ref_resampled = None if reference is None else {c: reference.resampled(group, c) for c in group.conditions}
    arrays = [a for a in [clean, *[x for v in by_condition.values() if v for x in v]] if a is not None]
    if not arrays:
        return GroupScores(values)
    n = len(arrays[0])

    def draw(item: Any, i: int) -> float:
        return float(item) if np.ndim(item) == 0 else float(item[i])

    draws: dict[str, list[float]] = {key: [] for key in values}
    for i in range(n):
        def at(levels_by_condition: Mapping[str, list[Any] | None], i: int = i) -> dict[str, list[float] | None]:
            return {c: None if levels is None else [draw(x, i) for x in levels]
                    for c, levels in levels_by_condition.items()}

        one = _scores(group, None if clean is None else draw(clean, i), at(by_condition),
                      None if ref_resampled is None else at(ref_resampled))
        for key, value in one.items():
            draws[key].append(value)
    intervals = {key: percentile_interval(d, confidence) for key, d in draws.items()
                 if not math.isnan(values[key]) and not any(math.isnan(v) for v in d)}
    return GroupScores(values, intervals)


def default_reference(group: ConditionGroup) -> Reference | None:
    """The published reference of ``group`` when one ships (KITTI-C: RoboDepth's MonoDepth2-R18), else None."""
    from udebench.leaderboard.published import published_references

    published = published_references().get(group.name)
    return None if published is None else PublishedRow(published)
