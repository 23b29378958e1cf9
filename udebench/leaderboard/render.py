"""Render a leaderboard frame as Markdown, LaTeX, CSV or HTML.

Each metric is marked ↑/↓ (from ``higher_is_better``, as lm-evaluation-harness records it) and the best
value of each column is bold, judged on the value as printed so ties at that precision all count. A cell
can carry its bootstrap interval ``[low, high]`` and its image count ``(n=…)``; a cell built from a
``--limit`` run gets †, one built from a run that skipped samples with an error gets ‡, and a row whose
weights were trained here (their model card's ``trained_here``, e.g. the synth-trained files the plugins
ship) gets §, so they are never read as the authors' published weights; each mark is explained in a
footnote under the table.
"""

from __future__ import annotations

import csv
import html
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from udebench.errors import UdebenchError
from udebench.specs import arrow

if TYPE_CHECKING:
    import pandas as pd

FORMATS: tuple[str, ...] = ("md", "latex", "csv", "html")
LIMITED_MARK, ERRORS_MARK, TRAINED_HERE_MARK = "†", "‡", "§"
Decimals = int | Mapping[str, int] | None


@dataclass(frozen=True)
class Cell:
    """One printed cell: the number (None when missing), whether it is the column's best, and its extras."""

    text: str | None
    best: bool
    interval: tuple[str, str] | None = None
    count: int | None = None
    marks: str = ""


def _decimals(metric: str, decimals: Decimals, percent: Sequence[str]) -> int:
    default = 2 if metric in percent else 3
    if decimals is None:
        return default
    if isinstance(decimals, Mapping):
        return int(decimals.get(metric, default))
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


def _marks(df: pd.DataFrame, row: str, column: tuple[str, str]) -> str:
    sources = (df.attrs.get("sources") or {}).get(row, {})
    behind = [sources[s] for s in (df.attrs.get("cell_splits") or {}).get(column, [column[0]]) if s in sources]
    limited = any(src.limit is not None for src in behind)
    errors = any(src.n_errors for src in behind)
    return (LIMITED_MARK if limited else "") + (ERRORS_MARK if errors else "")


def weights_origins(df: pd.DataFrame, row: str) -> list[str]:
    """The distinct weights origins recorded by the runs behind ``row`` (empty: published or user weights)."""
    sources = (df.attrs.get("sources") or {}).get(row, {})
    return list(dict.fromkeys(src.weights_origin for src in sources.values() if src.weights_origin))


def row_label(df: pd.DataFrame, row: str) -> str:
    """``row``, with § when its weights were trained here rather than published."""
    return f"{row} {TRAINED_HERE_MARK}" if weights_origins(df, row) else str(row)


def _grid(df: pd.DataFrame, hib: Mapping[str, bool], decimals: Decimals, counts: bool):
    """Per column: (block, metric, [Cell per row])."""
    percent = df.attrs.get("percent") or []
    intervals = df.attrs.get("intervals") or {}
    cell_counts = df.attrs.get("counts") or {}
    out = []
    for block, metric in df.columns:
        nd = _decimals(metric, decimals, percent)
        values = [float(v) for v in df[(block, metric)].tolist()]
        best = _best(values, hib.get(metric), nd)
        cells = []
        for row, value, is_best in zip(df.index, values, best, strict=True):
            text = _number(value, nd)
            interval = intervals.get(row, {}).get((block, metric)) if text is not None else None
            count = cell_counts.get(row, {}).get((block, metric)) if counts and text is not None else None
            cells.append(Cell(text, is_best, None if interval is None else (f"{interval[0]:.{nd}f}",
                                                                            f"{interval[1]:.{nd}f}"),
                              count, _marks(df, row, (block, metric)) if text is not None else ""))
        out.append((block, metric, cells))
    return out


def _blocks(df: pd.DataFrame) -> list[tuple[str, list[str]]]:
    groups: list[tuple[str, list[str]]] = []
    for block, metric in df.columns:
        if groups and groups[-1][0] == block:
            groups[-1][1].append(metric)
        else:
            groups.append((block, [metric]))
    return groups


def footnotes(df: pd.DataFrame, *, counts: bool = False) -> list[str]:
    """What the marks, intervals and counts mean, which runs they concern, and the frame's notes."""
    lines = []
    sources = df.attrs.get("sources") or {}
    limited = [f"{row} on {split} (first {src.limit})" for row, by in sources.items() for split, src in by.items()
               if src.limit is not None]
    errors = [f"{row} on {split} ({src.n_errors})" for row, by in sources.items() for split, src in by.items()
              if src.n_errors]
    if limited:
        lines.append(f"{LIMITED_MARK} from a --limit run over the first samples only, not the whole split: "
                     + "; ".join(limited))
    if errors:
        lines.append(f"{ERRORS_MARK} samples skipped with an error, not averaged in: " + "; ".join(errors))
    by_words: dict[str, list[str]] = {}  # the card's words -> "row (weights file)", so shared words print once
    for row in df.index:
        for origin in weights_origins(df, row):
            name, _, words = origin.partition(": ")
            by_words.setdefault(words or name, []).append(f"{row} ({name})" if words else str(row))
    for words, rows in by_words.items():
        lines.append(f"{TRAINED_HERE_MARK} weights trained here, not the authors' published ones ({words}): "
                     + ", ".join(rows))
    ci = df.attrs.get("ci")
    if ci:
        lines.append(f"[low, high]: {100 * ci['confidence']:g} % percentile-bootstrap interval, images resampled "
                     f"({ci['n_resamples']} resamples, seed {ci['seed']})")
    if counts:
        lines.append("n: images averaged in the cell (summed over the splits a mean or robustness score reads)")
    lines += list(df.attrs.get("notes") or [])
    return lines


def render_table(
    df: pd.DataFrame,
    fmt: str,
    higher_is_better: Mapping[str, bool] | None = None,
    *,
    decimals: Decimals = None,
    title: str | None = None,
    counts: bool = False,
) -> str:
    """The leaderboard as ``md`` | ``latex`` | ``csv`` | ``html`` text.

    ``higher_is_better`` defaults to the map the frame was built with; ``decimals`` is one number or a
    per-metric map (default 3, and 2 for the % columns mCE and mRR). ``counts`` shows each cell's image
    count. CSV is long (one line per row and block) and keeps full precision, with intervals when present.
    """
    hib = dict(df.attrs.get("higher_is_better") or {}) if higher_is_better is None else dict(higher_is_better)
    if fmt == "md":
        return _markdown(df, hib, decimals, title, counts)
    if fmt == "latex":
        return _latex(df, hib, decimals, title, counts)
    if fmt == "csv":
        return _csv_long(df)
    if fmt == "html":
        return html_page(df, hib, decimals=decimals, title=title, counts=counts)
    raise UdebenchError(f"unknown leaderboard format {fmt!r}; use one of {', '.join(FORMATS)}")


def _markdown(df: pd.DataFrame, hib: Mapping[str, bool], decimals: Decimals, title: str | None, counts: bool) -> str:
    from tabulate import tabulate

    grid = _grid(df, hib, decimals, counts)
    headers = ["model"] + [f"{block} {metric}{arrow(hib.get(metric))}" for block, metric, _ in grid]
    rows = []
    for i, label in enumerate(df.index):
        row = [row_label(df, label)]
        for _, _, cells in grid:
            cell = cells[i]
            if cell.text is None:
                row.append("–")
                continue
            text = f"**{cell.text}**" if cell.best else cell.text
            if cell.interval:
                text += f" [{cell.interval[0]}, {cell.interval[1]}]"
            if cell.count is not None:
                text += f" (n={cell.count})"
            row.append(text + cell.marks)
        rows.append(row)
    table = tabulate(
        rows, headers=headers, tablefmt="github", disable_numparse=True, colalign=("left",) + ("right",) * len(grid)
    )
    head = f"## {title}\n\n" if title else ""
    notes = footnotes(df, counts=counts)
    tail = "\n" + "\n".join(f"- {line}" for line in notes) + "\n" if notes else ""
    return f"{head}{table}\n{tail}"


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
_LATEX_MARKS = {LIMITED_MARK: r"$^{\dagger}$", ERRORS_MARK: r"$^{\ddagger}$", TRAINED_HERE_MARK: r"\S{}"}


def _tex(text: str) -> str:
    out = "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))
    for mark, tex in _LATEX_MARKS.items():
        out = out.replace(mark, tex)
    return out


def _latex(df: pd.DataFrame, hib: Mapping[str, bool], decimals: Decimals, title: str | None, counts: bool) -> str:
    grid = _grid(df, hib, decimals, counts)
    groups = _blocks(df)
    tex_arrow = {"↑": r"$\uparrow$", "↓": r"$\downarrow$", "": ""}
    lines = [
        "% generated by `udebench leaderboard`; needs \\usepackage{booktabs}",
        *([f"% {_tex(title)}"] if title else []),
        "\\begin{tabular}{l" + "".join("r" * len(ms) for _, ms in groups) + "}",
        r"\toprule",
    ]
    spans, rules, col = [], [], 2
    for block, ms in groups:
        spans.append(f"\\multicolumn{{{len(ms)}}}{{c}}{{{_tex(block)}}}")
        rules.append(f"\\cmidrule(lr){{{col}-{col + len(ms) - 1}}}")
        col += len(ms)
    lines.append(" & " + " & ".join(spans) + r" \\")
    lines.append(" ".join(rules))
    metric_heads = [f"{_tex(metric)} {tex_arrow[arrow(hib.get(metric))]}".rstrip() for _, metric, _ in grid]
    lines.append("model & " + " & ".join(metric_heads) + r" \\")
    lines.append(r"\midrule")
    for i, label in enumerate(df.index):
        texts = []
        for _, _, column in grid:
            cell = column[i]
            if cell.text is None:
                texts.append("--")
                continue
            text = f"\\textbf{{{cell.text}}}" if cell.best else cell.text
            if cell.interval:
                text += f" {{\\scriptsize [{cell.interval[0]}, {cell.interval[1]}]}}"
            if cell.count is not None:
                text += f" {{\\scriptsize (n={cell.count})}}"
            texts.append(text + "".join(_LATEX_MARKS[m] for m in cell.marks))
        lines.append(_tex(row_label(df, label)) + " & " + " & ".join(texts) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    lines += [f"\\par{{\\footnotesize {_tex(note)}}}" for note in footnotes(df, counts=counts)]
    return "\n".join(lines) + "\n"


def _csv_long(df: pd.DataFrame) -> str:
    metrics = list(dict.fromkeys(m for _, m in df.columns))
    sources = df.attrs.get("sources") or {}
    blocks = df.attrs.get("blocks") or {}
    intervals = df.attrs.get("intervals") or {}
    with_ci = bool(df.attrs.get("ci"))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    header = ["row", "split", "n_samples", "limit", "n_errors", *metrics]
    if with_ci:
        header += [f"{m}_{end}" for m in metrics for end in ("low", "high")]
    header.append("weights_origin")
    writer.writerow(header)
    for label in df.index:
        for block, ms in _blocks(df):
            values = {m: float(df.loc[label, (block, m)]) for m in ms}
            if all(math.isnan(v) for v in values.values()):
                continue
            behind = [sources.get(label, {}).get(s) for s in blocks.get(block, [block])]
            behind = [src for src in behind if src is not None]
            limits = sorted({src.limit for src in behind if src.limit is not None})
            cells = ["" if m not in values or math.isnan(values[m]) else repr(values[m]) for m in metrics]
            row = [label, block, sum(src.n_samples for src in behind), ",".join(map(str, limits)),
                   sum(src.n_errors for src in behind), *cells]
            if with_ci:
                for m in metrics:
                    interval = intervals.get(label, {}).get((block, m))
                    row += ["", ""] if interval is None else [repr(interval[0]), repr(interval[1])]
            row.append("; ".join(dict.fromkeys(src.weights_origin for src in behind if src.weights_origin)))
            writer.writerow(row)
    return buf.getvalue()


HTML_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.3rem; }
table.leaderboard { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.leaderboard th, table.leaderboard td { padding: 0.3rem 0.7rem; border-bottom: 1px solid #ddd; }
table.leaderboard thead th { background: #f4f4f4; border-bottom: 2px solid #999; }
table.leaderboard th.group { border-bottom: 1px solid #999; text-align: center; }
table.leaderboard td { text-align: right; white-space: nowrap; }
table.leaderboard td.row { text-align: left; font-family: ui-monospace, monospace; }
table.leaderboard td.best .v { font-weight: bold; }
table.leaderboard .ci, table.leaderboard .n { color: #777; font-size: 0.8em; }
table.leaderboard tbody tr:hover { background: #fafafa; }
p.note, ul.note { color: #666; font-size: 0.85rem; }
"""


def html_table(df: pd.DataFrame, hib: Mapping[str, bool] | None = None, *, decimals: Decimals = None,
               counts: bool = False) -> str:
    """The table and its footnotes as an HTML fragment (``<table id="leaderboard">``), for pages and reports."""
    esc = html.escape
    hib = dict(df.attrs.get("higher_is_better") or {}) if hib is None else dict(hib)
    grid = _grid(df, hib, decimals, counts)
    top = ['<th rowspan="2">model</th>'] + [
        f'<th class="group" colspan="{len(ms)}">{esc(block)}</th>' for block, ms in _blocks(df)
    ]
    sub = [f"<th>{esc(metric)}&nbsp;{arrow(hib.get(metric))}</th>" for _, metric, _ in grid]
    body = []
    for i, label in enumerate(df.index):
        tds = [f'<td class="row">{esc(row_label(df, label))}</td>']
        for _, _, column in grid:
            cell = column[i]
            if cell.text is None:
                tds.append("<td>–</td>")
                continue
            inner = f'<span class="v">{cell.text}</span>'
            if cell.interval:
                inner += f' <span class="ci">[{cell.interval[0]}, {cell.interval[1]}]</span>'
            if cell.count is not None:
                inner += f' <span class="n">n={cell.count}</span>'
            if cell.marks:
                inner += f"<sup>{esc(cell.marks)}</sup>"
            tds.append(f'<td class="best">{inner}</td>' if cell.best else f"<td>{inner}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    note = "↓ lower is better, ↑ higher is better; best value per column in bold; means over images."
    source = df.attrs.get("results_path")
    if source:
        note += f" Source: {esc(source)}."
    items = "".join(f"<li>{esc(line)}</li>" for line in footnotes(df, counts=counts))
    return (
        f'<table class="leaderboard" id="leaderboard">\n<thead>\n<tr>{"".join(top)}</tr>\n<tr>{"".join(sub)}</tr>\n'
        "</thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>\n"
        f'<p class="note">{note}</p>\n' + (f'<ul class="note">{items}</ul>\n' if items else "")
    )


def html_page(df: pd.DataFrame, hib: Mapping[str, bool] | None = None, *, decimals: Decimals = None,
              title: str | None = None, counts: bool = False) -> str:
    """A whole HTML document holding :func:`html_table`."""
    title = title or "udebench leaderboard"
    esc = html.escape
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{esc(title)}</h1>\n{html_table(df, hib, decimals=decimals, counts=counts)}</body>\n</html>\n"
    )
