"""The report's charts, drawn with matplotlib's Agg canvas (no display, no pyplot state) and returned as PNG bytes.

Pure functions of the numbers they are given: bars with intervals per split, metric-vs-condition curves,
metric-vs-severity curves (KITTI-C) and the degradation heat map. PNGs carry no software metadata, so the
same numbers give the same bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

#: one colour per model, in row order (matplotlib's tab10, repeated)
PALETTE = "tab10"
DPI = 80


def figure(width: float, height: float) -> Any:
    """A matplotlib Figure on an Agg canvas (no pyplot, so nothing global is touched)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Any, dpi: int = DPI) -> bytes:
    """The figure as PNG, without the metadata that would change with the matplotlib version."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _colours(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps[PALETTE]
    return [cmap(i % cmap.N) for i in range(n)]


def bars_with_intervals(
    splits: Sequence[str],
    models: Sequence[str],
    means: Mapping[str, Mapping[str, float]],
    intervals: Mapping[str, Mapping[str, tuple[float, float]]],
    *,
    metric_label: str,
) -> bytes:
    """Grouped bars: one group per split, one bar per model (``means[model][split]``), 95 % intervals as whiskers."""
    import numpy as np

    fig = figure(max(6.0, 1.1 * len(splits) * max(1, len(models)) * 0.35 + 2), 3.6)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(models))
    x = np.arange(len(splits))
    for i, (model, colour) in enumerate(zip(models, _colours(len(models)), strict=True)):
        heights = [means.get(model, {}).get(s, math.nan) for s in splits]
        bounds = [intervals.get(model, {}).get(s, (h, h)) for s, h in zip(splits, heights, strict=True)]
        lows = [h - low for h, (low, _) in zip(heights, bounds, strict=True)]
        highs = [high - h for h, (_, high) in zip(heights, bounds, strict=True)]
        ax.bar(x - 0.4 + width * (i + 0.5), heights, width, label=model, color=colour,
               yerr=[lows, highs], capsize=2, error_kw={"elinewidth": 0.8})
    ax.set_xticks(x, splits, rotation=20, ha="right")
    ax.set_ylabel(metric_label)
    ax.set_title(f"{metric_label} per split (whiskers: 95 % bootstrap interval)")
    fig.legend(loc="outside right upper", fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return png_bytes(fig)


def curves(
    xs: Sequence[str],
    models: Sequence[str],
    values: Mapping[str, Mapping[str, float]],
    *,
    metric_label: str,
    x_label: str,
    title: str,
) -> bytes:
    """One line per model through ``values[model][x]`` over the categories ``xs`` (conditions, severities)."""
    fig = figure(max(5.0, 0.9 * len(xs) + 2.5), 3.4)
    ax = fig.add_subplot()
    for model, colour in zip(models, _colours(len(models)), strict=True):
        ax.plot(list(xs), [values.get(model, {}).get(x, math.nan) for x in xs], marker="o", label=model, color=colour)
    ax.set_xlabel(x_label)
    ax.set_ylabel(metric_label)
    ax.set_title(title)
    fig.legend(loc="outside right upper", fontsize="small")
    ax.grid(alpha=0.3)
    return png_bytes(fig)


def severity_curves(
    conditions: Sequence[str],
    severities: Sequence[int],
    models: Sequence[str],
    values: Mapping[str, Mapping[tuple[str, int], float]],
    clean: Mapping[str, float],
    *,
    metric_label: str,
) -> bytes:
    """Small multiples, one per condition: the metric at severity 0 (the clean split) and at each severity."""
    columns = min(6, len(conditions))
    rows = math.ceil(len(conditions) / columns)
    fig = figure(2.4 * columns + 1, 2.0 * rows + 0.6)
    axes = fig.subplots(rows, columns, squeeze=False, sharey=True)
    xs = [0, *severities]
    for k, condition in enumerate(conditions):
        ax = axes[k // columns][k % columns]
        for model, colour in zip(models, _colours(len(models)), strict=True):
            by_level = values.get(model, {})
            ys = [clean.get(model, math.nan)] + [by_level.get((condition, s), math.nan) for s in severities]
            ax.plot(xs, ys, marker=".", color=colour, label=model)
        ax.set_title(condition, fontsize="small")
        ax.set_xticks(xs)
        ax.grid(alpha=0.3)
    for k in range(len(conditions), rows * columns):
        axes[k // columns][k % columns].set_visible(False)
    axes[0][0].set_ylabel(metric_label)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(4, max(1, len(models))), fontsize="small")
    fig.suptitle(f"{metric_label} vs severity (0 = clean)")
    return png_bytes(fig)


def degradation_heatmap(models: Sequence[str], conditions: Sequence[str], change: Mapping[str, Mapping[str, float]],
                        *, metric_label: str, higher_is_better: bool) -> bytes:
    """Models × conditions: the relative change of the metric from the clean split, in %, annotated.

    Red is worse: a rise for a lower-is-better metric, a fall for a higher-is-better one.
    """
    import numpy as np

    grid = np.array([[change.get(m, {}).get(c, np.nan) for c in conditions] for m in models], dtype=float)
    worse = -grid if higher_is_better else grid
    finite = np.abs(worse[np.isfinite(worse)])
    limit = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    fig = figure(max(4.0, 1.0 * len(conditions) + 3), 0.45 * len(models) + 1.4)
    ax = fig.add_subplot()
    image = ax.imshow(worse, cmap="RdYlGn_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(range(len(conditions)), conditions, rotation=20, ha="right")
    ax.set_yticks(range(len(models)), models)
    for i in range(len(models)):
        for j in range(len(conditions)):
            if np.isfinite(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:+.0f} %", ha="center", va="center", fontsize="small")
    fig.colorbar(image, ax=ax, label="worse →", shrink=0.8)
    ax.set_title(f"{metric_label}: change from the clean split")
    return png_bytes(fig)
