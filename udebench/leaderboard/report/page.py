"""``udebench report``: one self-contained HTML file (every image a data URI) about the runs in a store.

Sections: the leaderboard (with intervals, counts, robustness columns), bars per split with intervals,
metric-vs-condition curves per group (and metric-vs-severity for graded groups such as KITTI-C), the
degradation from each group's clean split, and qualitative grids for chosen samples and for each model's
worst images (re-predicted, see :mod:`udebench.leaderboard.report.qualitative`).
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from udebench.leaderboard.options import ReportOptions

if TYPE_CHECKING:
    import pandas as pd

    from udebench.leaderboard.report.qualitative import Reproducer
    from udebench.leaderboard.robustness_columns import ConditionGroup
    from udebench.results.store import ResultsStore
    from udebench.results.summary import RunSummary

PAGE_STYLE = """
section { margin: 2rem 0; }
h2 { font-size: 1.1rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.85rem; }
.table-wrap { overflow-x: auto; }
"""


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _figure(png: bytes, caption: str) -> str:
    esc = html.escape
    return f'<figure><img src="{data_uri(png)}" alt="{esc(caption)}"><figcaption>{esc(caption)}</figcaption></figure>'


class _Runs:
    """The summaries behind the frame's cells, read from the store once each."""

    def __init__(self, store: ResultsStore, df: pd.DataFrame) -> None:
        self.store = store
        self.sources = df.attrs["sources"]
        self._cache: dict[int, RunSummary] = {}

    def get(self, row: str, split: str) -> RunSummary | None:
        source = self.sources.get(row, {}).get(split)
        if source is None:
            return None
        if source.run_id not in self._cache:
            self._cache[source.run_id] = self.store.summary(source.run_id)
        return self._cache[source.run_id]


def build_report(store: ResultsStore, options: ReportOptions) -> str:
    """The report as HTML text."""
    from udebench.leaderboard.render import HTML_STYLE, html_table
    from udebench.leaderboard.report.qualitative import Reproducer
    from udebench.leaderboard.robustness_columns import condition_groups
    from udebench.leaderboard.tables import leaderboard_frame

    metrics = tuple(dict.fromkeys((*options.table.metrics, options.metric)))
    table = replace(options.table, metrics=metrics, robustness=True, ci=True)
    df = leaderboard_frame(store, table)
    rows = list(df.index)
    splits = list(df.attrs["splits"])
    hib = df.attrs["higher_is_better"]
    metric = options.metric
    label = f"{metric} {'↑' if hib.get(metric) else '↓'}" if metric in hib else metric
    groups = condition_groups(splits)
    graded = {s for g in groups for levels in g.conditions.values() for sev, s in levels.items() if sev is not None}

    sections = [f'<section><h2>Leaderboard</h2><div class="table-wrap">{html_table(df, counts=True)}</div></section>']
    sections.append(_charts(df, rows, [s for s in splits if s not in graded], groups, metric, label, hib))
    runs = _Runs(store, df)
    reproducer = Reproducer(store, weights=options.weights, device=options.device, data_root=options.data_root)
    sections.append(_qualitative(df, rows, [s for s in splits if s not in graded] or splits, runs, reproducer,
                                 options))
    notes = reproducer.notes
    if notes:
        items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
        sections.append(f'<section><h2>Notes</h2><ul class="note">{items}</ul></section>')
    esc = html.escape
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(options.title)}</title>\n<style>{HTML_STYLE}{PAGE_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{esc(options.title)}</h1>\n"
        f'<p class="note">From {esc(str(store.path))}: {len(rows)} model(s), {len(splits)} split(s). '
        "Every number is recomputed from the stored per-image results; images are re-predicted.</p>\n"
        + "\n".join(s for s in sections if s) + "\n</body>\n</html>\n"
    )


# ---------------------------------------------------------------------- charts
def _charts(df: pd.DataFrame, rows: list[str], splits: list[str], groups: Sequence[ConditionGroup], metric: str,
            label: str, hib: Mapping[str, bool]) -> str:
    from udebench.leaderboard.report import plots

    intervals = df.attrs.get("intervals") or {}

    def mean(row: str, split: str) -> float:
        return float(df.loc[row, (split, metric)]) if (split, metric) in df.columns else math.nan

    parts = []
    if splits:
        means = {r: {s: mean(r, s) for s in splits} for r in rows}
        ci = {r: {s: intervals[r][(s, metric)] for s in splits if (s, metric) in intervals.get(r, {})} for r in rows}
        parts.append(_figure(plots.bars_with_intervals(splits, rows, means, ci, metric_label=label),
                             f"{label} per split, 95 % bootstrap intervals over images"))
    for group in groups:
        by_condition = {r: _by_condition(df, group, r, metric) for r in rows}
        xs = ["clean", *group.conditions]
        values = {r: {"clean": mean(r, group.clean_split) if (group.clean_split, metric) in df.columns
                      else math.nan, **by_condition[r]} for r in rows}
        parts.append(_figure(plots.curves(xs, rows, values, metric_label=label, x_label="condition",
                                          title=f"{group.name}: {label} per condition"),
                             f"{group.name}: {label} from the clean split ({group.clean_split}) to each condition"
                             + (" (mean over severities)" if _severities(group) else "")))
        severities = _severities(group)
        if severities:
            per_level = {r: {(c, sev): mean(r, s) for c, levels in group.conditions.items()
                             for sev, s in levels.items()} for r in rows}
            clean = {r: values[r]["clean"] for r in rows}
            parts.append(_figure(plots.severity_curves(list(group.conditions), severities, rows, per_level, clean,
                                                       metric_label=label),
                                 f"{group.name}: {label} against severity, one panel per condition"))
        change = {r: {c: 100.0 * (v - values[r]["clean"]) / values[r]["clean"]
                      for c, v in by_condition[r].items() if values[r]["clean"]} for r in rows}
        parts.append(_figure(plots.degradation_heatmap(rows, list(group.conditions), change, metric_label=label,
                                                       higher_is_better=bool(hib.get(metric))),
                             f"{group.name}: relative change of {label} from {group.clean_split}, per model and "
                             "condition (red: worse)"))
    if not parts:
        return ""
    return "<section><h2>Charts</h2>" + "\n".join(parts) + "</section>"


def _severities(group: ConditionGroup) -> list[int]:
    return sorted({sev for levels in group.conditions.values() for sev in levels if sev is not None})


def _by_condition(df: pd.DataFrame, group: ConditionGroup, row: str, metric: str) -> dict[str, float]:
    """The metric per condition: the split's mean, or the mean over a graded condition's severities."""
    out = {}
    for condition, levels in group.conditions.items():
        values = [float(df.loc[row, (s, metric)]) if (s, metric) in df.columns else math.nan
                  for s in levels.values()]
        out[condition] = math.nan if any(math.isnan(v) for v in values) else math.fsum(values) / len(values)
    return out


# ---------------------------------------------------------------------- qualitative grids
def _qualitative(df: pd.DataFrame, rows: list[str], splits: list[str], runs: _Runs, reproducer: Reproducer,
                 options: ReportOptions) -> str:
    from udebench.leaderboard.report.qualitative import grid_png
    from udebench.progress import progress_bar

    chosen_splits = splits[: options.max_grid_splits]
    if len(splits) > len(chosen_splits):
        reproducer.notes.append(f"grids of chosen samples for the first {len(chosen_splits)} splits only "
                                f"({', '.join(chosen_splits)}); name others with --splits")
    jobs: list[tuple[str, str, RunSummary, list[str]]] = []  # (section, caption, run, sample ids)
    for split in chosen_splits:
        split_runs = [run for run in (runs.get(r, split) for r in rows) if run is not None]
        ids = list(options.samples) or _first_shared_id(runs.store, split_runs)
        for run in split_runs:
            jobs.append(("chosen", split, run, ids))
    if options.worst > 0:
        for row in rows:
            for run, ids in _worst(runs, row, splits, options.metric, options.worst,
                                   bool(df.attrs["higher_is_better"].get(options.metric))):
                jobs.append(("worst", row, run, ids))

    results: dict[tuple[str, str], list[Any]] = {}
    with progress_bar("re-predicting for the report", total=len(jobs), unit="runs",
                      enabled=options.progress) as bar:
        for section, key, run, ids in jobs:
            outcome = reproducer.predictions(run, ids)
            if isinstance(outcome, str):
                if outcome not in reproducer.notes:
                    reproducer.notes.append(outcome)
            else:
                results.setdefault((section, key), []).extend(outcome)
            bar.advance()

    parts = []
    for split in chosen_splits:
        predictions = results.get(("chosen", split), [])
        if predictions:
            parts.append(_figure(grid_png(predictions, title=f"{split}: chosen samples"),
                                 f"{split}: each model on the same image(s); one depth scale, one error scale"))
    for row in rows:
        predictions = results.get(("worst", row), [])
        if predictions:
            if options.metric == "abs_rel":
                predictions.sort(key=lambda p: p.abs_rel, reverse=True)
            parts.append(_figure(grid_png(predictions, title=f"{row}: worst images by {options.metric}"),
                                 f"{row}: its {len(predictions)} worst image(s) by {options.metric} over the shown "
                                 "splits"))
    body = "\n".join(parts) if parts else '<p class="note">No model could be re-run here; see the notes.</p>'
    return f"<section><h2>Qualitative</h2>{body}</section>"


def _first_shared_id(store: ResultsStore, split_runs: Sequence[RunSummary]) -> list[str]:
    """The first sample (split order) that every run scored, so all models are shown on one image."""
    scored = [[row["sample_id"] for row in store.samples(run.run_id) if row["status"] == "ok"] for run in split_runs]
    if not scored:
        return []
    shared = set.intersection(*(set(ids) for ids in scored))
    return [next(s for s in scored[0] if s in shared)] if shared else []


def _worst(runs: _Runs, row: str, splits: Sequence[str], metric: str, k: int,
           higher_is_better: bool) -> list[tuple[RunSummary, list[str]]]:
    """``row``'s ``k`` worst (split, sample) pairs over the shown splits, grouped by run."""
    import numpy as np

    from udebench.leaderboard.per_image import load_per_image

    scored = []
    for split in splits:
        run = runs.get(row, split)
        if run is None:
            continue
        images = load_per_image(runs.store, run.run_id, [metric])
        for sample_id, value in zip(images.sample_ids, images.values[metric], strict=True):
            if np.isfinite(value):
                scored.append((-value if higher_is_better else value, split, sample_id, run))
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    chosen: dict[int, tuple[RunSummary, list[str]]] = {}
    for _, _, sample_id, run in scored[:k]:
        chosen.setdefault(run.run_id, (run, []))[1].append(sample_id)
    return list(chosen.values())
