"""The ``udebench`` command: a thin layer over :mod:`udebench.api`. Heavy imports stay inside commands."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from udebench import __version__
from udebench.engine.distributed import LAUNCHERS
from udebench.errors import UdebenchError, one_line_errors, one_line_warnings
from udebench.evaluation.alignment import ALIGNMENTS
from udebench.options import ON_ERROR
from udebench.results.store import DEFAULT_RESULTS_PATH
from udebench.results.summary import RunSummary

LIST_KINDS = ("models", "splits", "datasets", "translators", "trainers", "metrics")


class UdebenchGroup(click.Group):
    """Prints a UdebenchError as one line (no traceback) and exits 1; a UdebenchWarning as one line on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        with one_line_warnings():
            return one_line_errors(super().invoke)(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        _add_plugin_commands(self)
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None:
            _add_plugin_commands(self)
            command = super().get_command(ctx, name)
        return command


_plugin_commands_added = False


def _add_plugin_commands(group: click.Group) -> None:
    """Plugins add commands through ``register_commands(cli)``, once."""
    global _plugin_commands_added
    if _plugin_commands_added:
        return
    _plugin_commands_added = True
    from udebench.plugins import load_plugins

    load_plugins().hook.register_commands(cli=group)


@click.group(cls=UdebenchGroup)
@click.version_option(__version__, prog_name="udebench")
def cli() -> None:
    """Monocular depth under adverse conditions: evaluate, compare, translate, train."""


@cli.command(name="list")
@click.argument("kind", required=False, type=click.Choice(LIST_KINDS))
@click.option("--protocol", "with_protocol", is_flag=True,
              help="With splits: each split's evaluation conventions (`udebench protocol SPLIT` for all of them).")
def list_command(kind: str | None, with_protocol: bool) -> None:
    """List registered models, splits, datasets, translators, trainers or metrics."""
    from udebench.plugins import registry

    reg = registry()
    if with_protocol and kind not in (None, "splits"):
        raise click.UsageError("--protocol goes with `udebench list splits`")
    for current in [kind] if kind else LIST_KINDS:
        if not kind:
            click.secho(f"{current}:", bold=True)
        for name in sorted(reg[current]):
            entry = reg[current][name]
            about = _protocol_line(entry.spec.protocol) if with_protocol and current == "splits" else \
                _describe(entry.spec)
            click.echo(f"{'  ' if not kind else ''}{name:<28} {about}  [{entry.provider}]")
        if current == "splits":
            _list_stored_translations(indent="  " if not kind else "")


def _list_stored_translations(indent: str) -> None:
    """Translated splits `udebench translate` stored, from their small manifests (never the images)."""
    from udebench.translate.cache import stored_sets

    for manifest in sorted(stored_sets(), key=lambda m: (m.identity.split_name, m.last_run)):
        identity = manifest.identity
        of = f"/{manifest.source_count}" if manifest.source_count is not None else ""
        click.echo(f"{indent}{identity.split_name:<28} stored: {manifest.count}{of} samples · {identity.translator} "
                   f"v{identity.version} · seed {identity.seed} · key {manifest.key[:8]} · last run "
                   f"{manifest.last_run[:19]}")


def _protocol_line(protocol: Any) -> str:
    """The conventions of one split in one line: the reference's name, then what changes numbers."""
    rows = dict(protocol.describe())
    reference = protocol.reference.split(" (")[0].split(":")[0]
    upsample = rows["upsample_mode"] + (" align_corners" if protocol.align_corners else "")
    resample = "" if protocol.input_size == "as_given" else f" ({protocol.input_resample})"
    return " · ".join([reference, f"input {rows['input_size']}{resample}",
                       f"{upsample} in {rows['upsample_space']} space", f"{protocol.median} median",
                       rows["gt_range"].replace(" (the clamp bounds)", ""), f"crop {rows['crop']}"])


@cli.command(name="protocol")
@click.argument("split")
@click.option("--json", "as_json", is_flag=True, help="Print as one JSON object.")
def protocol_command(split: str, as_json: bool) -> None:
    """Show every evaluation convention of SPLIT and the reference code it follows (docs/protocols.md)."""
    from udebench.plugins import split_spec

    protocol = split_spec(split).protocol
    if as_json:
        click.echo(json.dumps({"split": split, **protocol.as_dict()}, indent=2))
        return
    click.secho(split, bold=True)
    for key, value in protocol.describe():
        click.echo(f"  {key:<15} {value}")


def _describe(spec: Any) -> str:
    bits = []
    if hasattr(spec, "output"):
        bits.append(spec.output)
    if hasattr(spec, "higher_is_better"):
        bits.append(spec.arrow)
    if getattr(spec, "expected_count", None):
        bits.append(f"{spec.expected_count} samples")
    if getattr(spec, "description", ""):
        bits.append(spec.description)
    return " · ".join(bits)


@cli.command(name="plugins")
@click.argument("name", required=False)
@click.option("--check", "run_check", is_flag=True,
              help="Run the conformance kit (udebench.testing) on every model, translator, metric and split that NAME "
                   "(a distribution, entry point or registered name; default: everything) registers: one line each, "
                   "exit 1 on a failure.")
@click.option("--data-root", default=None, envvar="UDEBENCH_DATA_ROOT",
              help="With --check: root folder of real datasets (splits without data are skipped).")
@click.option("--device", default="cpu", show_default=True, help="With --check: where models run.")
@click.option("--weights", default=None,
              help="With --check and NAME a model or translator: these weights instead of its test_weights.")
@click.option("--verbose", "-v", is_flag=True, help="With --check: one line per check instead of per thing.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def plugins_command(name: str | None, run_check: bool, data_root: str | None, device: str, weights: str | None,
                    verbose: bool, no_progress: bool, as_json: bool) -> None:
    """Show each loaded plugin (distribution==version) and what it registered; --check runs the conformance kit."""
    if run_check:
        _check_plugins(name, data_root=data_root, device=device, weights=weights, verbose=verbose,
                       progress=not no_progress, as_json=as_json)
        return
    from udebench.plugins import loaded_plugins

    rows = loaded_plugins()
    if name is not None:
        rows = [row for row in rows if name in (row["provider"], row["provider"].split("==")[0]) or
                name in row["modules"]]
        if not rows:
            raise UdebenchError(f"no loaded plugin is called {name!r}; `udebench plugins` lists them")
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.secho(row["provider"], bold=True)
        click.echo(f"  modules: {', '.join(row['modules'])}")
        for kind, names in sorted(row["registered"].items()):
            click.echo(f"  {kind}: {', '.join(sorted(names))}")
        if row["hooks"]:
            click.echo(f"  hooks: {', '.join(row['hooks'])}")


def _check_plugins(name: str | None, *, data_root: str | None, device: str, weights: str | None, verbose: bool,
                   progress: bool, as_json: bool) -> None:
    """``udebench plugins --check``: the kit's findings, one line per thing as each finishes; exit 1 on a failure."""
    from dataclasses import asdict

    from udebench.progress import progress_bar
    from udebench.testing import check, items_to_check, report_lines

    items = items_to_check(name)
    if weights is not None and not (len(items) == 1 and items[0][0] in ("models", "translators")):
        raise UdebenchError("--weights: name one model or translator to check with them (udebench plugins NAME "
                            "--check --weights PATH)")
    findings = []
    with progress_bar("checking", total=len(items), unit="things", enabled=progress and not as_json) as bar:
        for kind, item in items:
            found = check(kind, item, data_root=data_root, device=device, weights=weights)
            findings += found
            if not as_json:
                for line in [f.line() for f in found] if verbose else report_lines(found):
                    color = "red" if line.startswith("FAILED") or line.startswith("failed") else (
                        "yellow" if line.startswith("skipped") else None)
                    click.secho(line, fg=color)
            bar.advance(1, info=item)
    failed = sorted({(f.kind, f.name) for f in findings if f.failed})
    if as_json:
        click.echo(json.dumps([asdict(f) for f in findings], indent=2))
    else:
        skipped = len({(f.kind, f.name) for f in findings if f.outcome == "skipped"} - set(failed))
        click.echo(f"{len(items)} checked: {len(items) - len(failed) - skipped} ok, {len(failed)} failed, "
                   f"{skipped} skipped")
    if failed:
        sys.exit(1)


@cli.command(name="evaluate")
@click.option("--model", "-m", required=True, help="Registered model name (`udebench list models`).")
@click.option("--split", "-s", required=True, help="Split name (`udebench list splits`).")
@click.option("--weights", default=None, help="Weights file or folder for the model.")
@click.option("--align", default=None, type=click.Choice(ALIGNMENTS),
              help="Alignment before scoring [default: from the model's output kind].")
@click.option("--metrics", "metric_names", default=None,
              help="Comma-separated metric names [default: every registered metric, plugins' too].")
@click.option("--batch-size", default=4, show_default=True, type=click.IntRange(min=1))
@click.option("--device", default=None, help="cuda, cuda:1, cpu [default: cuda when present].")
@click.option("--limit", default=None, type=click.IntRange(min=1), help="Only the first N samples.")
@click.option("--tag", default=None, help="Label this run (e.g. an ablation); shown as model[tag].")
@click.option("--results", default=None, help=f"Results store [default: $UDEBENCH_RESULTS or {DEFAULT_RESULTS_PATH}].")
@click.option("--data-root", default=None, envvar="UDEBENCH_DATA_ROOT", help="Root folder of real datasets.")
@click.option("--num-workers", default=None, type=click.IntRange(min=0), help="DataLoader workers.")
@click.option("--flip-pp/--no-flip-pp", default=None,
              help="Average with the prediction of the mirrored image [default: the split protocol's].")
@click.option("--protocol-override", "protocol_overrides", multiple=True, metavar="KEY=VALUE",
              help="Replace one of the split's conventions for an experiment (repeatable), e.g. median=torch, "
                   "align_corners=true, input_size=320x576; the run is labelled model{KEY=VALUE}. Keys: "
                   "`udebench protocol SPLIT`.")
@click.option("--amp", is_flag=True, help="Mixed precision inference.")
@click.option("--on-error", default="raise", show_default=True, type=click.Choice(ON_ERROR),
              help="What to do with a sample that cannot be read.")
@click.option("--launcher", default="none", show_default=True, type=click.Choice(LAUNCHERS),
              help="How the processes of a distributed run were started: pytorch (torchrun) or slurm (srun); "
                   "docs/distributed.md.")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as one JSON object on stdout.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def evaluate_command(model: str, split: str, weights: str | None, align: str | None, metric_names: str | None,
                     batch_size: int, device: str | None, limit: int | None, tag: str | None, results: str | None,
                     data_root: str | None, num_workers: int | None, flip_pp: bool | None,
                     protocol_overrides: tuple[str, ...], amp: bool, on_error: str, launcher: str, as_json: bool,
                     no_progress: bool) -> None:
    """Evaluate MODEL on SPLIT; results are kept and an interrupted run resumes."""
    from udebench.api import evaluate
    from udebench.evaluation.protocol_spec import parse_overrides
    from udebench.options import EvalOptions

    metrics = tuple(n.strip() for n in metric_names.split(",") if n.strip()) if metric_names is not None else None
    try:
        overrides = parse_overrides(protocol_overrides)
    except ValueError as exc:
        raise UdebenchError(f"--protocol-override: {exc}") from None
    options = EvalOptions(weights=weights, align=align, metrics=metrics, batch_size=batch_size, device=device,
                          limit=limit, tag=tag, results=results, data_root=data_root, num_workers=num_workers,
                          flip_pp=flip_pp, amp=amp, on_error=on_error, progress=not no_progress,
                          protocol_overrides=overrides, launcher=launcher)
    try:
        summary = evaluate(model, split, options)
    except KeyboardInterrupt:
        click.echo("interrupted: finished batches are stored; run the same command again to resume", err=True)
        sys.exit(130)
    if launcher != "none" and not _is_main_process():
        return  # in a distributed run every rank returns the summary; rank 0 prints it
    if as_json:
        out = {"model": summary.model, "tag": summary.tag, "split": summary.split, "n_samples": summary.n_samples,
               "alignment": summary.alignment, "metrics": summary.metrics, "run_id": summary.run_id,
               "n_errors": summary.n_errors, "n_invalid_predictions": summary.n_invalid_predictions,
               "n_no_valid_gt": summary.n_no_valid_gt, "metric_nan_counts": summary.metric_nan_counts,
               "providers": summary.providers, "protocol_overrides": summary.protocol_overrides}
        click.echo(json.dumps(out, allow_nan=True))
    else:
        _print_summary(summary)


def _is_main_process() -> bool:
    """False on ranks 1..N-1 of a distributed run (torch.distributed is imported by then, or not used)."""
    import os

    return os.environ.get("RANK", "0") == "0"


def _print_summary(summary: RunSummary) -> None:
    from rich.console import Console
    from rich.table import Table

    from udebench.plugins import registry

    specs = registry()["metrics"]
    table = Table(title=f"{summary.label} on {summary.split}", caption=f"{summary.n_samples} images · alignment "
                  f"{summary.alignment} · run {summary.run_id}")
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column("images", justify="right")
    order = {name: i for i, name in enumerate(specs)}  # registration order: abs_rel, sq_rel, rmse, ...
    for name, value in sorted(summary.metrics.items(), key=lambda item: order.get(item[0], len(order))):
        arrow = specs[name].spec.arrow if name in specs else ""
        covered = summary.n_samples - summary.metric_nan_counts.get(name, 0)
        table.add_row(f"{name}{arrow}", f"{value:.4f}", str(covered))
    console = Console()
    console.print(table)
    problems = (("errors", summary.n_errors), ("invalid predictions", summary.n_invalid_predictions),
                ("no valid gt", summary.n_no_valid_gt))
    for what, count in problems:
        if count:
            console.print(f"[yellow]{count} sample(s) {what}: not averaged in; "
                          f"`udebench results show {summary.run_id}` lists them[/yellow]")
    for name, count in summary.metric_nan_counts.items():
        console.print(f"[yellow]{name}: {count} image(s) had no pixel it counts (NaN), skipped in its mean[/yellow]")
    nonpositive = summary.counts.get("n_nonpositive", 0)
    if nonpositive:
        console.print(f"[yellow]{nonpositive} predicted pixel(s) ≤ 0 were clamped to the minimum depth[/yellow]")


@cli.command(name="train")
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option("--work-dir", default=None, help="Checkpoints and logs [default: work_dirs/<config name>].")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Continue from the last checkpoint in the work dir, if any.")
@click.option("--device", default=None, help="cuda or cpu [default: cuda when present].")
@click.option("--max-iters", default=None, type=click.IntRange(min=1), help="Override the schedule's length.")
@click.option("--cfg-options", "cfg_options", multiple=True, metavar="KEY=VALUE",
              help="Override a config value, e.g. seed=2 or translation.p_translate=0.8 (repeatable; VALUE is "
                   "read as a Python literal when it is one).")
def train_command(config: str, work_dir: str | None, resume: bool, device: str | None, max_iters: int | None,
                  cfg_options: tuple[str, ...]) -> None:
    """Train with the recipe named by CONFIG's `trainer` field (e.g. rgd)."""
    from udebench.training import load_config, parse_overrides, run_training

    cfg = load_config(config, overrides=parse_overrides(cfg_options))
    summary = run_training(cfg, work_dir=work_dir, resume=resume, device=device, max_iters=max_iters)
    click.echo(json.dumps(summary, indent=2, default=str))


def _add_core_groups() -> None:
    from udebench.data.commands import data_group
    from udebench.leaderboard.commands import compare, leaderboard, report
    from udebench.results.commands import results
    from udebench.scaffold.commands import new_plugin
    from udebench.translate.commands import translate_command

    cli.add_command(results)
    cli.add_command(new_plugin)
    cli.add_command(translate_command)
    cli.add_command(leaderboard)
    cli.add_command(compare)
    cli.add_command(report)
    cli.add_command(data_group)


_add_core_groups()


def main() -> None:
    cli(prog_name="udebench")
