"""`udebench results ...`: list, show, export and import what the store holds."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from udebench.errors import UdebenchError, one_line_errors
from udebench.results.gzip_text import read_text_maybe_gzip, write_text_maybe_gzip
from udebench.results.store import DEFAULT_RESULTS_PATH, ResultsStore, default_results_path, nan_to_none

F = TypeVar("F", bound=Callable[..., Any])


def results_option(f: F) -> F:
    """The shared ``--results PATH`` option (default from the environment, read at call time)."""
    return click.option(
        "--results",
        "results_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"results store (default: $UDEBENCH_RESULTS or {DEFAULT_RESULTS_PATH})",
    )(f)


def open_store(path: Path | None, *, create: bool = False) -> ResultsStore:
    """Open the store at ``path`` (or the default); a missing file is an error unless ``create``."""
    return ResultsStore(path or default_results_path(), create=create)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4f}"
    return "" if value is None else str(value)


def _arrows(names: list[str]) -> dict[str, str]:
    """↑/↓ for the metrics the registry knows; nothing for the others (show must work without plugins)."""
    try:
        from udebench.plugins import registry

        metrics = registry()["metrics"]
    except Exception:  # cosmetic only: a broken plugin must not hide stored results
        return {}
    return {n: metrics[n].spec.arrow for n in names if n in metrics}


@click.group("results")
def results() -> None:
    """List, show, export and import stored evaluation runs."""


@results.command("list")
@results_option
@click.option("--model", default=None, help="only runs of this model")
@click.option("--split", default=None, help="only runs of this split (fnmatch glob, e.g. 'synth-*')")
@one_line_errors
def list_runs(results_path: Path | None, model: str | None, split: str | None) -> None:
    """Runs in the store, newest first."""
    from rich.console import Console
    from rich.table import Table

    with open_store(results_path) as store:
        runs = store.runs(model=model, split=split)
        table = Table(title=str(store.path))
    for col in ("run", "model", "tag", "split", "status", "done", "created (UTC)"):
        table.add_column(col, justify="right" if col in ("run", "done") else "left")
    for r in runs:
        done = f"{r['n_done']}/{r['n_expected']}" if r["n_expected"] is not None else str(r["n_done"])
        table.add_row(str(r["run_id"]), r["model"], r["tag"] or "", r["split"], r["status"], done, r["created_at"][:19])
    console = Console()
    if runs:
        console.print(table)
    else:
        console.print("no runs match" if (model or split) else "the store has no runs yet")


@results.command("show")
@click.argument("run_id", type=int)
@results_option
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
@one_line_errors
def show_run(run_id: int, results_path: Path | None, as_json: bool) -> None:
    """One run's summary: identity, status, sample counts and mean metrics."""
    with open_store(results_path) as store:
        summary = store.summary(run_id).to_dict()
    if as_json:
        click.echo(json.dumps(nan_to_none(summary), indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    head = Table(show_header=False, title=f"run {run_id}")
    for key in (
        "model",
        "tag",
        "split",
        "status",
        "alignment",
        "n_samples",
        "n_expected",
        "n_errors",
        "n_invalid_predictions",
        "n_no_valid_gt",
        "weights_sha256",
        "created_at",
        "finished_at",
    ):
        head.add_row(key, _fmt(summary[key]))
    for role, provider in sorted(summary["providers"].items()):  # the distribution==version that supplied it
        head.add_row(f"{role} from", provider)
    head.add_row("options", json.dumps(summary["options"], sort_keys=True))
    head.add_row("versions", json.dumps(summary["versions"], sort_keys=True))
    metrics = Table(title="mean over ok samples")
    metrics.add_column("metric")
    metrics.add_column("value", justify="right")
    arrows = _arrows(list(summary["metrics"]))
    for name, value in summary["metrics"].items():
        metrics.add_row(name + arrows.get(name, ""), _fmt(value))
    console = Console()
    console.print(head)
    if summary["metrics"]:
        console.print(metrics)
    if summary["counts"]:
        counts = Table(title="totals")
        counts.add_column("count")
        counts.add_column("value", justify="right")
        for name, value in summary["counts"].items():
            counts.add_row(name, str(value))
        console.print(counts)


@results.command("export")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="file (else stdout)"
)
@results_option
@click.option("--run", "run_ids", type=int, multiple=True, help="only this run (repeatable)")
@one_line_errors
def export_runs(fmt: str, output: Path | None, results_path: Path | None, run_ids: tuple[int, ...]) -> None:
    """Export runs with their per-sample rows (json re-imports with `udebench results import`).

    An output file ending in ``.gz`` is gzip-compressed (about 5× smaller for per-image JSON).
    """
    with open_store(results_path) as store:
        text = store.export(fmt, run_ids=list(run_ids) or None)
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_text_maybe_gzip(output, text)
        click.echo(f"wrote {output}", err=True)


@results.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@results_option
@one_line_errors
def import_runs(file: Path, results_path: Path | None) -> None:
    """Add the runs of a JSON export (or its .gz) to the store (created if missing), e.g. to merge machines' results."""
    with open_store(results_path, create=True) as store:
        try:
            ids = store.import_json(read_text_maybe_gzip(file))
        except UdebenchError as exc:
            raise UdebenchError(f"{file}: {exc}") from exc
        path = store.path
    click.echo(f"imported {len(ids)} run(s) into {path}: {', '.join(map(str, ids)) or '-'}")
