"""`udebench leaderboard`: tables from the results store, with ↑/↓ from the metric registry."""

from __future__ import annotations

from pathlib import Path

import click

from udebench.errors import UnknownNameError
from udebench.leaderboard.options import DEFAULT_MEAN_LABEL, DEFAULT_METRICS, DEFAULT_RESAMPLES
from udebench.leaderboard.render import FORMATS
from udebench.results.commands import one_line_errors, open_store, results_option


def parse_metrics(values: tuple[str, ...]) -> list[str]:
    """``--metrics a,b --metrics c`` -> [a, b, c] (order kept, duplicates dropped); none -> the defaults."""
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    return list(dict.fromkeys(names)) or list(DEFAULT_METRICS)


def higher_is_better_map(metrics: list[str]) -> dict[str, bool]:
    """Each metric's direction as its plugin registered it; an unknown name is an error listing the known ones."""
    from udebench.plugins import registry

    known = registry()["metrics"]
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise UnknownNameError(
            f"unknown metric{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"known metrics: {', '.join(sorted(known))}"
        )
    return {m: bool(known[m].spec.higher_is_better) for m in metrics}


def named_splits(splits: str) -> tuple[str, ...]:
    """The splits named outright (not globs) in ``--splits``: they keep the order the user gave them in."""
    return tuple(name.strip() for name in splits.split(",") if name.strip() and not any(c in name for c in "*?["))


@click.command("leaderboard")
@click.option("--splits", default="*", show_default=True, help="split names or globs, comma-separated (e.g. 'synth-*')")
@click.option("--models", default=None, help="rows to show: labels (model or model[tag]) or globs, comma-separated")
@click.option(
    "--metrics",
    "metric_args",
    multiple=True,
    help=f"metric names, repeatable or comma-separated (default: {','.join(DEFAULT_METRICS)})",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="file (else stdout)"
)
@results_option
@click.option(
    "--mean-over",
    default=None,
    help="splits (names or globs, comma-separated) to average into an extra column group, "
    "e.g. 'synth-night,synth-rain,synth-fog,synth-snow'",
)
@click.option("--mean-label", default=DEFAULT_MEAN_LABEL, show_default=True, help="header of the --mean-over column")
@click.option("--robustness", is_flag=True,
              help="per condition group (synth, nuscenes, robotcar, kitti-c, ...): DEE per condition, mCE against "
                   "--reference and mRR against each model's own clean split (RoboDepth)")
@click.option("--reference", default=None,
              help="row (model or model[tag]) that mCE divides by; implies --robustness [default: the group's "
                   "published reference, e.g. RoboDepth's MonoDepth2-R18 for KITTI-C; none for other groups]")
@click.option("--ci", is_flag=True, help="95 % bootstrap intervals (images resampled) on every mean and score")
@click.option("--resamples", type=click.IntRange(min=1), default=DEFAULT_RESAMPLES, show_default=True,
              help="bootstrap resamples for --ci")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the --ci resampling")
@click.option("--counts", is_flag=True, help="show how many images each cell averages")
@click.option("--decimals", type=click.IntRange(0, 12), default=None,
              help="decimals of every column [default: 3, and 2 for mCE and mRR in %]")
@click.option("--title", default=None, help="title (HTML heading, Markdown heading, LaTeX comment)")
@one_line_errors
def leaderboard(
    splits: str,
    models: str | None,
    metric_args: tuple[str, ...],
    fmt: str,
    output: Path | None,
    results_path: Path | None,
    mean_over: str | None,
    mean_label: str,
    robustness: bool,
    reference: str | None,
    ci: bool,
    resamples: int,
    seed: int,
    counts: bool,
    decimals: int | None,
    title: str | None,
) -> None:
    """Leaderboard of the newest complete run per model and split, from the results store.

    A full run is preferred to a newer --limit run; cells built from a --limit run are marked †, cells
    from runs that skipped samples with an error ‡.
    """
    from udebench.leaderboard.options import TableOptions
    from udebench.leaderboard.render import render_table
    from udebench.leaderboard.tables import leaderboard_frame

    metrics = parse_metrics(metric_args)
    options = TableOptions(
        splits=splits, models=models, metrics=tuple(metrics), higher_is_better=higher_is_better_map(metrics),
        mean_over=mean_over, mean_label=mean_label, split_order=named_splits(splits),
        robustness=robustness or reference is not None,  # a reference is only for the robustness columns
        reference=reference, ci=ci, n_resamples=resamples, seed=seed,
    )
    with open_store(results_path) as store:
        df = leaderboard_frame(store, options)
    text = render_table(df, fmt, decimals=decimals, title=title, counts=counts)
    write_or_echo(text, output)


def write_or_echo(text: str, output: Path | None) -> None:
    """``text`` to ``output`` (its folder made), or to stdout."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@click.command("compare")
@click.argument("a")
@click.argument("b")
@click.option("--split", "-s", required=True, help="the split both models were evaluated on")
@click.option("--metric", default="abs_rel", show_default=True, help="the per-image metric to compare")
@results_option
@click.option("--resamples", type=click.IntRange(min=1), default=DEFAULT_RESAMPLES, show_default=True,
              help="paired bootstrap resamples")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the bootstrap")
@click.option("--json", "as_json", is_flag=True, help="print the comparison as one JSON object")
@one_line_errors
def compare(a: str, b: str, split: str, metric: str, results_path: Path | None, resamples: int, seed: int,
            as_json: bool) -> None:
    """Compare models A and B (`model` or `model[tag]`) on SPLIT, image by image.

    Pairs their images by sample id and reports the mean difference A − B with its paired-bootstrap
    interval, the Wilcoxon signed-rank p-value and how many images each wins. Refuses when the two runs
    do not cover the same images.
    """
    import json

    from udebench.leaderboard.compare import compare_runs, describe

    higher = higher_is_better_map([metric])[metric]
    with open_store(results_path) as store:
        result = compare_runs(store, a, b, split, metric, higher_is_better=higher, n_resamples=resamples, seed=seed)
    click.echo(json.dumps(result.to_dict()) if as_json else describe(result), nl=as_json)


@click.command("report")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="the HTML file to write (one self-contained file)")
@click.option("--models", default=None, help="rows to show: labels (model or model[tag]) or globs, comma-separated")
@click.option("--splits", default="*", show_default=True, help="split names or globs, comma-separated")
@click.option("--metric", default="abs_rel", show_default=True, help="metric of the charts and of the worst images")
@click.option("--metrics", "metric_args", multiple=True,
              help=f"table metrics, repeatable or comma-separated (default: {','.join(DEFAULT_METRICS)})")
@click.option("--mean-over", default=None, help="splits to average into an extra table column group")
@click.option("--reference", default=None, help="row that mCE divides by (see `udebench leaderboard --help`)")
@click.option("--samples", "sample_ids", multiple=True,
              help="sample id to show for every model on every split (repeatable) [default: the first image all "
                   "runs of a split scored]")
@click.option("--worst", type=click.IntRange(min=0), default=3, show_default=True,
              help="worst images per model (0: none)")
@click.option("--weights", "weights", multiple=True, type=click.Path(exists=True),
              help="weights file of a tagged run (repeatable); matched to runs by sha256")
@click.option("--device", default="cpu", show_default=True, help="device to re-predict on")
@click.option("--data-root", default=None, envvar="UDEBENCH_DATA_ROOT", help="root folder of real datasets")
@click.option("--title", default="udebench report", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the bootstrap intervals")
@click.option("--no-progress", is_flag=True, help="hide the progress bar")
@results_option
@one_line_errors
def report(output: Path, models: str | None, splits: str, metric: str, metric_args: tuple[str, ...],
           mean_over: str | None, reference: str | None, sample_ids: tuple[str, ...], worst: int,
           weights: tuple[str, ...], device: str, data_root: str | None, title: str, seed: int, no_progress: bool,
           results_path: Path | None) -> None:
    """Write one self-contained HTML report: table, charts with intervals, degradation, qualitative grids.

    The grids re-run each model on a few samples (the chosen ones and its worst ones) with the run's own
    weights; a model that cannot be loaded here gets a note instead of a grid.
    """
    from udebench.leaderboard.options import ReportOptions, TableOptions
    from udebench.leaderboard.report.page import build_report

    metrics = parse_metrics(metric_args)
    hib = higher_is_better_map(list(dict.fromkeys([*metrics, metric])))
    table = TableOptions(splits=splits, models=models, metrics=tuple(metrics), higher_is_better=hib,
                         mean_over=mean_over, split_order=named_splits(splits), reference=reference, seed=seed)
    options = ReportOptions(table=table, metric=metric, samples=sample_ids, worst=worst, weights=weights,
                            device=device, data_root=data_root, title=title, progress=not no_progress)
    with open_store(results_path) as store:
        text = build_report(store, options)
    write_or_echo(text, output)
