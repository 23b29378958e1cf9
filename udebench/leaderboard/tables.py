"""Leaderboard tables, built only from the results store, rendered as Markdown, LaTeX, CSV or HTML.

The frame has one row per model (``model[tag]`` when the run was tagged) and a (split, metric)
column MultiIndex; each cell is the mean over ok samples of the newest complete run. Rendering
marks each metric ↑/↓ (from ``higher_is_better``, as lm-evaluation-harness records it) and puts the
best value of each column in bold, judged on the value as printed so ties at that precision all count.
"""

from __future__ import annotations

import csv
import fnmatch
import html
import io
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from udebench.errors import UdebenchError
from udebench.results.summary import run_label as row_label
from udebench.specs import arrow

if TYPE_CHECKING:
    import pandas as pd

    from udebench.results.store import ResultsStore

DEFAULT_METRICS: tuple[str, ...] = ("abs_rel", "rmse", "a1")
DEFAULT_MEAN_LABEL = "mean(adverse)"
#: conditions listed first within a dataset: the clean reference the others are compared to.
CLEAN_CONDITIONS: tuple[str, ...] = ("day", "clean", "sunny", "eigen")
FORMATS: tuple[str, ...] = ("md", "latex", "csv", "html")


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


def leaderboard_frame(
    store: ResultsStore,
    splits: str | Sequence[str] | None = "*",
    metrics: Sequence[str] = DEFAULT_METRICS,
    higher_is_better: Mapping[str, bool] | None = None,
    mean_over: str | Sequence[str] | None = None,
    *,
    mean_label: str = DEFAULT_MEAN_LABEL,
    split_order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rows × (split, metric) means from the newest complete run per (model, tag, split).

    ``splits`` and ``mean_over`` take split names or fnmatch globs (a list or a comma-separated
    string). ``mean_over`` adds a ``mean_label`` column group: per metric, the unweighted mean over
    those splits, NaN for a row that lacks any of them. ``df.attrs`` keeps ``n_samples``, ``n_errors``
    (samples the run skipped as unreadable, ``--on-error skip``) and ``run_ids`` ({row: {split: int}}),
    ``higher_is_better``, ``metrics``, ``mean_label``, ``mean_over``
    and ``results_path`` for the renderers and for provenance.
    """
    import pandas as pd

    metrics = list(metrics)
    if not metrics:
        raise UdebenchError("no metrics asked for; name at least one, e.g. abs_rel")
    all_runs = store.latest_complete_runs()
    split_patterns = _patterns(splits)
    shown = [r for r in all_runs if any(fnmatch.fnmatchcase(r.split, p) for p in split_patterns)]
    if not shown:
        what = "" if split_patterns == ["*"] else f" for splits {','.join(split_patterns)}"
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

    mean_splits: list[str] = []
    if mean_over is not None:
        stored = sorted({r.split for r in all_runs})
        for pattern in _patterns(mean_over):
            matched = [s for s in stored if fnmatch.fnmatchcase(s, pattern)]
            if not matched:
                raise UdebenchError(f"--mean-over {pattern!r} matches no split with complete runs in {store.path}")
            mean_splits += [s for s in matched if s not in mean_splits]
        mean_splits = order_splits(mean_splits, split_order)

    cells: dict[str, dict[str, dict[str, float]]] = {}  # row -> split -> metric -> mean
    n_samples: dict[str, dict[str, int]] = {}
    n_errors: dict[str, dict[str, int]] = {}
    run_ids: dict[str, dict[str, int]] = {}
    for run in all_runs:
        label = row_label(run.model, run.tag)
        cells.setdefault(label, {})[run.split] = run.metrics
        n_samples.setdefault(label, {})[run.split] = run.n_samples
        n_errors.setdefault(label, {})[run.split] = run.n_errors
        run_ids.setdefault(label, {})[run.split] = run.run_id
    shown_rows = sorted({r.label for r in shown})
    column_splits = order_splits([r.split for r in shown], split_order)

    columns: list[tuple[str, str]] = [(s, m) for s in column_splits for m in metrics]
    if mean_splits:
        columns += [(mean_label, m) for m in metrics]
    data = []
    for label in shown_rows:
        row = [float(cells[label].get(s, {}).get(m, math.nan)) for s in column_splits for m in metrics]
        if mean_splits:
            for m in metrics:
                values = [cells[label].get(s, {}).get(m, math.nan) for s in mean_splits]
                ok = all(not math.isnan(v) for v in values)
                row.append(math.fsum(values) / len(values) if ok else math.nan)
        data.append(row)
    df = pd.DataFrame(
        data,
        index=pd.Index(shown_rows, name="row"),
        columns=pd.MultiIndex.from_tuples(columns, names=["split", "metric"]),
        dtype=float,
    )
    used = set(column_splits) | set(mean_splits)
    df.attrs.update(
        n_samples={r: {s: n for s, n in n_samples[r].items() if s in used} for r in shown_rows},
        n_errors={r: {s: n for s, n in n_errors[r].items() if s in used} for r in shown_rows},
        run_ids={r: {s: i for s, i in run_ids[r].items() if s in used} for r in shown_rows},
        higher_is_better=dict(higher_is_better or {}),
        metrics=metrics,
        mean_label=mean_label if mean_splits else None,
        mean_over=mean_splits,
        results_path=str(store.path),
    )
    return df


# ---------------------------------------------------------------------- rendering helpers
def _decimals(metric: str, decimals: int | Mapping[str, int]) -> int:
    if isinstance(decimals, Mapping):
        return int(decimals.get(metric, 3))
    return int(decimals)


def _number(value: float, nd: int) -> str | None:
    return None if value is None or math.isnan(value) else f"{value:.{nd}f}"


def _best(values: Sequence[float], higher: bool | None, nd: int) -> list[bool]:
    """Which cells of a column are best, compared as printed (so printed ties are all bold)."""
    if higher is None:
        return [False] * len(values)
    shown = [None if math.isnan(v) else float(f"{v:.{nd}f}") for v in values]
    finite = [v for v in shown if v is not None]
    if not finite:
        return [False] * len(values)
    target = max(finite) if higher else min(finite)
    return [v == target for v in shown]


def _arrow(metric: str, hib: Mapping[str, bool]) -> str:
    return arrow(hib.get(metric))


#: appended to a cell whose run skipped unreadable samples (``--on-error skip``): its mean covers fewer images
SKIPPED_MARK = "†"
SKIPPED_NOTE = (f"{SKIPPED_MARK} the run skipped samples it could not read (--on-error skip): its mean covers fewer "
                "images; `udebench results show RUN` lists them")


def _skipped(df: pd.DataFrame, label: str, split: str) -> bool:
    """Whether the run behind a cell (or any run behind a mean column) skipped samples."""
    errors: Mapping[str, Mapping[str, int]] = df.attrs.get("n_errors") or {}
    splits = (df.attrs.get("mean_over") or []) if split == df.attrs.get("mean_label") else [split]
    return any(errors.get(label, {}).get(s, 0) > 0 for s in splits)


def _any_skipped(df: pd.DataFrame) -> bool:
    return any(n > 0 for per_split in (df.attrs.get("n_errors") or {}).values() for n in per_split.values())


def _grid(df: pd.DataFrame, hib: Mapping[str, bool], decimals: int | Mapping[str, int]):
    """Per column: (split, metric, [(text or None, is_best)]) in row order; skipped-sample cells marked."""
    out = []
    for split, metric in df.columns:
        nd = _decimals(metric, decimals)
        values = [float(v) for v in df[(split, metric)].tolist()]
        best = _best(values, hib.get(metric), nd)
        texts = [_number(v, nd) for v in values]
        texts = [t + SKIPPED_MARK if t is not None and _skipped(df, label, split) else t
                 for t, label in zip(texts, df.index, strict=True)]
        out.append((split, metric, list(zip(texts, best, strict=True))))
    return out


def _groups(df: pd.DataFrame) -> list[tuple[str, list[str]]]:
    groups: list[tuple[str, list[str]]] = []
    for split, metric in df.columns:
        if groups and groups[-1][0] == split:
            groups[-1][1].append(metric)
        else:
            groups.append((split, [metric]))
    return groups


def render_table(
    df: pd.DataFrame,
    fmt: str,
    higher_is_better: Mapping[str, bool] | None = None,
    *,
    decimals: int | Mapping[str, int] = 3,
    title: str | None = None,
) -> str:
    """The leaderboard as ``md`` | ``latex`` | ``csv`` | ``html`` text.

    ``higher_is_better`` defaults to the map the frame was built with; ``decimals`` is one number
    or a per-metric map (default 3). CSV is long (row, split, n_samples, metrics...) and keeps full precision.
    """
    hib = dict(df.attrs.get("higher_is_better") or {}) if higher_is_better is None else dict(higher_is_better)
    if fmt == "md":
        return _markdown(df, hib, decimals, title)
    if fmt == "latex":
        return _latex(df, hib, decimals, title)
    if fmt == "csv":
        return _csv_long(df)
    if fmt == "html":
        return _html(df, hib, decimals, title)
    raise UdebenchError(f"unknown leaderboard format {fmt!r}; use one of {', '.join(FORMATS)}")


def _markdown(df: pd.DataFrame, hib: Mapping[str, bool], decimals: int | Mapping[str, int], title: str | None) -> str:
    from tabulate import tabulate

    grid = _grid(df, hib, decimals)
    headers = ["model"] + [f"{split} {metric}{_arrow(metric, hib)}" for split, metric, _ in grid]
    rows = []
    for i, label in enumerate(df.index):
        row = [label]
        for _, _, cells in grid:
            text, best = cells[i]
            row.append("–" if text is None else (f"**{text}**" if best else text))
        rows.append(row)
    table = tabulate(
        rows, headers=headers, tablefmt="github", disable_numparse=True, colalign=("left",) + ("right",) * len(grid)
    )
    head = f"## {title}\n\n" if title else ""
    foot = f"\n{SKIPPED_NOTE}\n" if _any_skipped(df) else ""
    return f"{head}{table}\n{foot}"


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _tex(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def _latex(df: pd.DataFrame, hib: Mapping[str, bool], decimals: int | Mapping[str, int], title: str | None) -> str:
    grid = _grid(df, hib, decimals)
    groups = _groups(df)
    tex_arrow = {"↑": r"$\uparrow$", "↓": r"$\downarrow$", "": ""}
    lines = [
        "% generated by `udebench leaderboard`; needs \\usepackage{booktabs}",
        *([f"% {_tex(title)}"] if title else []),
        "\\begin{tabular}{l" + "".join("r" * len(ms) for _, ms in groups) + "}",
        r"\toprule",
    ]
    spans, rules, col = [], [], 2
    for split, ms in groups:
        spans.append(f"\\multicolumn{{{len(ms)}}}{{c}}{{{_tex(split)}}}")
        rules.append(f"\\cmidrule(lr){{{col}-{col + len(ms) - 1}}}")
        col += len(ms)
    lines.append(" & " + " & ".join(spans) + r" \\")
    lines.append(" ".join(rules))
    metric_heads = [f"{_tex(metric)} {tex_arrow[_arrow(metric, hib)]}".rstrip() for _, metric, _ in grid]
    lines.append("model & " + " & ".join(metric_heads) + r" \\")
    lines.append(r"\midrule")
    for i, label in enumerate(df.index):
        cells = []
        for _, _, column in grid:
            text, best = column[i]
            cells.append("--" if text is None else (f"\\textbf{{{text}}}" if best else text))
        lines.append(_tex(label) + " & " + " & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    if _any_skipped(df):
        lines.append(f"% {SKIPPED_NOTE}")
    return "\n".join(lines) + "\n"


def _csv_long(df: pd.DataFrame) -> str:
    metrics = list(dict.fromkeys(m for _, m in df.columns))
    n_samples: Mapping[str, Mapping[str, int]] = df.attrs.get("n_samples") or {}
    mean_label = df.attrs.get("mean_label")
    mean_over = df.attrs.get("mean_over") or []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["row", "split", "n_samples", *metrics])
    for label in df.index:
        for split, ms in _groups(df):
            values = {m: float(df.loc[label, (split, m)]) for m in ms}
            if split == mean_label:
                if all(math.isnan(v) for v in values.values()):
                    continue
                n = sum(n_samples.get(label, {}).get(s, 0) for s in mean_over)
            elif split in n_samples.get(label, {}):
                n = n_samples[label][split]
            else:
                continue
            cells = ["" if m not in values or math.isnan(values[m]) else repr(values[m]) for m in metrics]
            writer.writerow([label, split, n, *cells])
    return buf.getvalue()


_HTML_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.3rem; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 0.3rem 0.7rem; border-bottom: 1px solid #ddd; }
thead th { background: #f4f4f4; border-bottom: 2px solid #999; }
th.group { border-bottom: 1px solid #999; text-align: center; }
td { text-align: right; }
td.row { text-align: left; font-family: ui-monospace, monospace; }
td.best { font-weight: bold; }
tbody tr:hover { background: #fafafa; }
p.note { color: #666; font-size: 0.85rem; }
"""


def _html(df: pd.DataFrame, hib: Mapping[str, bool], decimals: int | Mapping[str, int], title: str | None) -> str:
    esc = html.escape
    title = title or "udebench leaderboard"
    grid = _grid(df, hib, decimals)
    top = ['<th rowspan="2">model</th>'] + [
        f'<th class="group" colspan="{len(ms)}">{esc(split)}</th>' for split, ms in _groups(df)
    ]
    sub = [f"<th>{esc(metric)}&nbsp;{_arrow(metric, hib)}</th>" for _, metric, _ in grid]
    body = []
    for i, label in enumerate(df.index):
        tds = [f'<td class="row">{esc(str(label))}</td>']
        for _, _, column in grid:
            text, best = column[i]
            tds.append('<td class="best">' + text + "</td>" if best and text else f"<td>{text or '–'}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    source = df.attrs.get("results_path")
    note = "↓ lower is better, ↑ higher is better; best value per column in bold; means over images."
    if _any_skipped(df):
        note += " " + esc(SKIPPED_NOTE) + "."
    if source:
        note += f" Source: {esc(source)}."
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n<style>{_HTML_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{esc(title)}</h1>\n<table>\n<thead>\n<tr>{''.join(top)}</tr>\n<tr>{''.join(sub)}</tr>\n</thead>\n"
        "<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>\n"
        f'<p class="note">{note}</p>\n</body>\n</html>\n'
    )
