"""Leaderboard frames, built only from the results store: means, and on request intervals and robustness scores.

The frame has one row per model (``model[tag]`` when the run was tagged) and a (block, metric) column
MultiIndex: one block per split, then the ``--mean-over`` block, then one robustness block per condition
group. Each split cell is the mean over ok samples of the run :meth:`ResultsStore.latest_complete_runs`
picks (a full run before a ``--limit`` run). ``df.attrs`` carries what renderers and provenance need:
:class:`CellSource` per (row, split), intervals, image counts, the splits behind each block, and notes.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from udebench.errors import UdebenchError, UnknownNameError
from udebench.leaderboard.options import DEFAULT_MEAN_LABEL, DEFAULT_METRICS, TableOptions
from udebench.results.summary import RunSummary

if TYPE_CHECKING:
    import pandas as pd

    from udebench.leaderboard.per_image import PerImage
    from udebench.results.store import ResultsStore

__all__ = ["DEFAULT_MEAN_LABEL", "DEFAULT_METRICS", "CellSource", "leaderboard_frame", "order_splits",
           "split_sort_key"]

#: conditions listed first within a dataset: the clean reference the others are compared to.
CLEAN_CONDITIONS: tuple[str, ...] = ("day", "clean", "sunny", "eigen")


@dataclass(frozen=True)
class CellSource:
    """The run behind a (row, split): how many images, whether it was cut short or skipped samples."""

    run_id: int
    n_samples: int
    n_errors: int
    #: the run's ``--limit`` (first N samples only), None for a run over the whole split
    limit: int | None
    #: metric -> images its mean averages (ok samples where it is not NaN)
    covered: dict[str, int]
    #: where the run's weights came from when their model card says they were trained here (not published)
    weights_origin: str | None = None


def _patterns(spec: str | Sequence[str] | None) -> list[str]:
    """ "a,b" or ["a", "b"] -> ["a", "b"]; None -> ["*"]."""
    if spec is None:
        return ["*"]
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    return [p.strip() for p in items if p and p.strip()] or ["*"]


def _natural(text: str) -> list[Any]:
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part]


def split_sort_key(split: str) -> tuple[Any, ...]:
    """Group splits by dataset prefix; clean conditions first, then the rest in natural order."""
    dataset, _, condition = split.partition("-")
    return (dataset, 0 if condition in CLEAN_CONDITIONS else 1, _natural(condition))


def order_splits(splits: Sequence[str], split_order: Sequence[str] | None = None) -> list[str]:
    """Splits named in ``split_order`` first, in that order; the others by :func:`split_sort_key`."""
    given = [s for s in (split_order or []) if s in splits]
    rest = sorted((s for s in set(splits) if s not in given), key=split_sort_key)
    return given + rest


def _source(run: RunSummary) -> CellSource:
    covered = {m: run.n_samples - run.metric_nan_counts.get(m, 0) for m in run.metrics}
    return CellSource(run_id=run.run_id, n_samples=run.n_samples, n_errors=run.n_errors,
                      limit=run.options.get("limit"), covered=covered,
                      weights_origin=(run.versions or {}).get("weights_origin"))


def _options(options: TableOptions | None, fields: Mapping[str, Any]) -> TableOptions:
    options = options or TableOptions()
    if fields:
        fields = dict(fields)
        for key in ("metrics", "split_order"):
            if key in fields and fields[key] is not None:
                fields[key] = tuple(fields[key])
        if fields.get("higher_is_better") is None:
            fields.pop("higher_is_better", None)
        try:
            options = replace(options, **fields)
        except TypeError as exc:
            raise TypeError(f"leaderboard_frame(): {exc}") from None
    return options


def leaderboard_frame(store: ResultsStore, options: TableOptions | None = None, **fields: Any) -> pd.DataFrame:
    """The leaderboard of ``store`` as :class:`TableOptions` (or its fields by keyword) describe it.

    ``mean_over`` adds a ``mean_label`` block: per metric, the unweighted mean over those splits, NaN for
    a row that lacks any of them. ``df.attrs``: ``splits`` (the split blocks, in order), ``sources`` ({row:
    {split: CellSource}}), ``n_samples`` and ``run_ids`` ({row: {split: int}}), ``blocks`` ({block: [splits
    behind it]}), ``cell_splits`` ({(block, metric): [splits behind that column]}), ``intervals`` and ``counts``
    ({row: {(block, metric): ...}}), ``higher_is_better``, ``metrics``, ``mean_label``, ``mean_over``,
    ``percent`` (columns in %), ``ci`` (confidence, resamples, seed, or None), ``notes`` and ``results_path``.
    """
    import pandas as pd

    options = _options(options, fields)
    metrics = list(options.metrics)
    if not metrics:
        raise UdebenchError("no metrics asked for; name at least one, e.g. abs_rel")
    all_runs = store.latest_complete_runs()
    split_patterns = _patterns(options.splits)
    shown = [r for r in all_runs if any(fnmatch.fnmatchcase(r.split, p) for p in split_patterns)]
    if options.models is not None:
        row_patterns = _patterns(options.models)
        shown = [r for r in shown if any(r.label == p or fnmatch.fnmatchcase(r.label, p) for p in row_patterns)]
    if not shown:
        what = "" if split_patterns == ["*"] else f" for splits {','.join(split_patterns)}"
        what += "" if options.models is None else f" of models {','.join(_patterns(options.models))}"
        stored = sorted({r.split for r in all_runs})
        hint = f" (complete runs exist for: {', '.join(stored)})" if stored else ""
        raise UdebenchError(
            f"no complete runs in {store.path}{what}{hint}; run `udebench evaluate --model M --split S` first"
        )

    computed = {name for r in shown for name in r.metrics}
    missing = [m for m in metrics if m not in computed]
    if missing:
        raise UdebenchError(
            f"no run on these splits computed {', '.join(missing)}; computed: {', '.join(sorted(computed)) or 'none'}. "
            "Evaluate with the plugin that registers it installed (`udebench list metrics`), or "
            f"`udebench evaluate ... --metrics {','.join(missing)}`"
        )

    mean_splits = _mean_splits(all_runs, options, store)
    runs: dict[str, dict[str, RunSummary]] = {}
    for run in all_runs:
        runs.setdefault(run.label, {})[run.split] = run
    shown_rows = sorted({r.label for r in shown})
    column_splits = order_splits([r.split for r in shown], options.split_order)

    hib = dict(options.higher_is_better)
    blocks: dict[str, list[str]] = {s: [s] for s in column_splits}
    columns: list[tuple[str, str]] = [(s, m) for s in column_splits for m in metrics]
    if mean_splits:
        blocks[options.mean_label] = mean_splits
        columns += [(options.mean_label, m) for m in metrics]

    #: the splits each column reads, where that is not its whole block (a condition's DEE reads that condition's)
    cell_splits: dict[tuple[str, str], list[str]] = {}
    groups, notes = [], []
    if options.robustness:
        from udebench.leaderboard.robustness_columns import ROBUSTNESS_HIGHER_IS_BETTER, condition_groups

        groups = condition_groups(column_splits)
        if not groups:
            notes.append("--robustness: none of the shown splits is an adverse condition of a group "
                         "(synth-night, nuscenes-rain, kitti-c-fog-3, ...), so there is no DEE, mCE or mRR")
        for group in groups:
            blocks[group.label] = group.splits
            columns += [(group.label, c) for c in group.columns()]
            cell_splits.update({(group.label, c): splits for c, splits in group.column_splits().items()})
            hib.update({c: ROBUSTNESS_HIGHER_IS_BETTER.get(c, False) for c in group.columns()})

    per_image = _PerImageCache(store, metrics) if (options.ci or groups) else None
    values: dict[str, dict[tuple[str, str], float]] = {}
    intervals: dict[str, dict[tuple[str, str], tuple[float, float]]] = {}
    for label in shown_rows:
        row: dict[tuple[str, str], float] = {}
        row_intervals: dict[tuple[str, str], tuple[float, float]] = {}
        for split in column_splits:
            for m in metrics:
                row[(split, m)] = float(runs[label].get(split).metrics.get(m, math.nan)) if split in runs[label] \
                    else math.nan
        for m in metrics if mean_splits else []:
            parts = [runs[label][s].metrics.get(m, math.nan) if s in runs[label] else math.nan for s in mean_splits]
            row[(options.mean_label, m)] = math.nan if any(math.isnan(v) for v in parts) else math.fsum(parts) / len(
                parts)
        if options.ci and per_image is not None:
            row_intervals.update(_mean_intervals(label, runs[label], column_splits, mean_splits, metrics, row,
                                                 per_image, options))
        values[label] = row
        intervals[label] = row_intervals

    if groups:
        _robustness(groups, shown_rows, runs, options, per_image, values, intervals, notes)

    df = pd.DataFrame(
        [[values[label].get(c, math.nan) for c in columns] for label in shown_rows],
        index=pd.Index(shown_rows, name="row"),
        columns=pd.MultiIndex.from_tuples(columns, names=["split", "metric"]),
        dtype=float,
    )
    used = {s for splits in blocks.values() for s in splits}
    sources = {r: {s: _source(run) for s, run in runs[r].items() if s in used} for r in shown_rows}
    cell_splits = {c: cell_splits.get(c, blocks[c[0]]) for c in columns}
    counts = {r: _counts(sources[r], cell_splits, metrics) for r in shown_rows}
    from udebench.leaderboard.robustness_columns import PERCENT_COLUMNS

    df.attrs.update(
        sources=sources,
        n_samples={r: {s: c.n_samples for s, c in sources[r].items()} for r in shown_rows},
        run_ids={r: {s: c.run_id for s, c in sources[r].items()} for r in shown_rows},
        splits=column_splits,
        blocks=blocks,
        cell_splits=cell_splits,
        intervals=intervals if options.ci else {},
        counts=counts,
        higher_is_better=hib,
        metrics=metrics,
        mean_label=options.mean_label if mean_splits else None,
        mean_over=mean_splits,
        percent=[c for c in PERCENT_COLUMNS if any(m == c for _, m in columns)],
        ci={"confidence": options.confidence, "n_resamples": options.n_resamples, "seed": options.seed}
        if options.ci else None,
        notes=notes,
        results_path=str(store.path),
    )
    return df


def _mean_splits(all_runs: list[RunSummary], options: TableOptions, store: ResultsStore) -> list[str]:
    if options.mean_over is None:
        return []
    stored = sorted({r.split for r in all_runs})
    found: list[str] = []
    for pattern in _patterns(options.mean_over):
        matched = [s for s in stored if fnmatch.fnmatchcase(s, pattern)]
        if not matched:
            raise UdebenchError(f"--mean-over {pattern!r} matches no split with complete runs in {store.path}")
        found += [s for s in matched if s not in found]
    return order_splits(found, options.split_order)


class _PerImageCache:
    """Per-image values of runs, read from the store once each (only when intervals or robustness need them)."""

    def __init__(self, store: ResultsStore, metrics: list[str]) -> None:
        self.store = store
        self.metrics = sorted(set(metrics) | {"abs_rel", "a1"})
        self._runs: dict[int, PerImage] = {}
        self._resampled: dict[tuple[int, str, int, int], Any] = {}

    def get(self, run_id: int) -> PerImage:
        if run_id not in self._runs:
            from udebench.leaderboard.per_image import load_per_image

            self._runs[run_id] = load_per_image(self.store, run_id, self.metrics)
        return self._runs[run_id]

    def resampled(self, run: RunSummary, metric: str, options: TableOptions) -> Any:
        """Bootstrap means of ``metric`` (``"DEE"``: the per-image DEE) over the run's images; None without any."""
        import numpy as np

        key = (run.run_id, metric, options.seed, options.n_resamples)
        if key not in self._resampled:
            from udebench.leaderboard.per_image import resampled_means

            images = self.get(run.run_id)
            column = images.dee() if metric == "DEE" else images.values.get(metric)
            finite = None if column is None else column[np.isfinite(column)]
            self._resampled[key] = None if finite is None or finite.size == 0 else resampled_means(
                finite, split=run.split, seed=options.seed, n_resamples=options.n_resamples)
        return self._resampled[key]


def _mean_intervals(label: str, runs: Mapping[str, RunSummary], column_splits: list[str], mean_splits: list[str],
                    metrics: list[str], row: Mapping[tuple[str, str], float], per_image: _PerImageCache,
                    options: TableOptions) -> dict[tuple[str, str], tuple[float, float]]:
    """Bootstrap intervals of each split mean, and of the mean-over block (the mean of the resampled means)."""
    from udebench.evaluation.statistics import percentile_interval

    out: dict[tuple[str, str], tuple[float, float]] = {}
    for split in column_splits:
        for m in metrics:
            if split in runs and not math.isnan(row[(split, m)]):
                draws = per_image.resampled(runs[split], m, options)
                if draws is not None:
                    out[(split, m)] = percentile_interval(draws, options.confidence)
    for m in metrics if mean_splits else []:
        if math.isnan(row.get((options.mean_label, m), math.nan)):
            continue
        draws = [per_image.resampled(runs[s], m, options) for s in mean_splits]
        if all(d is not None for d in draws):
            out[(options.mean_label, m)] = percentile_interval(sum(draws) / len(draws), options.confidence)
    return out


def _robustness(groups: list[Any], rows: list[str], runs: Mapping[str, Mapping[str, RunSummary]],
                options: TableOptions, per_image: _PerImageCache | None,
                values: dict[str, dict[tuple[str, str], float]],
                intervals: dict[str, dict[tuple[str, str], tuple[float, float]]], notes: list[str]) -> None:
    """Fill each row's robustness blocks (and intervals with ``options.ci``); say which reference mCE used."""
    from udebench.leaderboard.robustness_columns import StoredRow, default_reference, group_scores, run_dee

    def dee_of(label: str):
        return lambda split: run_dee(runs[label].get(split))

    def resampled_of(label: str):
        def resampled(split: str):
            run = runs[label].get(split)
            return None if run is None or per_image is None else per_image.resampled(run, "DEE", options)
        return resampled

    if options.reference is not None and options.reference not in runs:
        raise UnknownNameError(f"--reference {options.reference!r}: no complete run of that model (label) in the "
                               f"store; stored: {', '.join(sorted(runs))}")
    for group in groups:
        if options.reference is not None:
            reference = StoredRow(options.reference, dee_of(options.reference), resampled_of(options.reference))
        else:
            reference = default_reference(group)
        if reference is None:
            notes.append(f"{group.label}: no mCE (no reference model); pass --reference MODEL, e.g. a baseline row")
        else:
            lacking = reference.missing(group)
            if lacking:
                notes.append(f"{group.label}: no mCE: the reference {reference.label} lacks {', '.join(lacking)}")
                reference = None
            else:
                published = getattr(reference, "published", None)
                source = ""
                if published is not None:
                    source = f" ({published.source}"
                    if len(group.conditions) < len(published.dee):
                        source += f"; over the {len(group.conditions)} shown of its {len(published.dee)} conditions, "
                        source += "so not comparable with its published mCE"
                    source += ")"
                notes.append(f"{group.label}: mCE against {reference.label}{source}; mRR against each model's own "
                             f"{group.clean_split}; mCE and mRR in %")
        for label in rows:
            scores = group_scores(group, dee_of(label), reference,
                                  split_resampled=resampled_of(label) if options.ci else None,
                                  confidence=options.confidence)
            for column, value in scores.values.items():
                values[label][(group.label, column)] = value
            for column, interval in scores.intervals.items():
                intervals[label][(group.label, column)] = interval


def _counts(sources: Mapping[str, CellSource], cell_splits: Mapping[tuple[str, str], list[str]],
            metrics: list[str]) -> dict[tuple[str, str], int]:
    """Images behind each cell: a split cell's own; a mean or robustness cell's sum over the splits it reads."""
    out: dict[tuple[str, str], int] = {}
    for (block, metric), splits in cell_splits.items():
        counted = metric if metric in metrics else "abs_rel"
        parts = [sources[s].covered.get(counted, 0) for s in splits if s in sources]
        if parts:
            out[(block, metric)] = sum(parts)
    return out
