"""``udebench data``: check a split's data against its manifest (and, later, import/export)."""

from __future__ import annotations

import click


@click.group(name="data")
def data_group() -> None:
    """Real datasets: where they go and whether your copy is complete."""


@data_group.command(name="check")
@click.argument("splits", nargs=-1, required=True)
@click.option("--data-root", default=None, envvar="UDEBENCH_DATA_ROOT", help="Root folder of real datasets.")
def check_command(splits: tuple[str, ...], data_root: str | None) -> None:
    """Report presence and counts of SPLITS (names or globs like 'nuscenes-*') against their manifests."""
    import fnmatch

    from udebench.plugins import registry, split_spec
    from udebench.specs import DataCheck

    names: list[str] = []
    for pattern in splits:
        matched = sorted(fnmatch.filter(registry()["splits"], pattern)) if any(c in pattern for c in "*?[") else []
        names.extend(matched or [pattern])
    all_ok = True
    for name in names:
        spec = split_spec(name)
        if spec.check is not None:
            report = spec.check(data_root=data_root)
        else:  # generated data, or a reader without a check: try to open it
            try:
                found = len(spec.factory(data_root=data_root))
                report = DataCheck(split=name, ok=True, where="(generated)" if spec.dataset == "synth" else "?",
                                   found=found, expected=spec.expected_count)
            except FileNotFoundError as exc:
                report = DataCheck(split=name, ok=False, where=str(exc), expected=spec.expected_count)
        all_ok &= report.ok
        click.secho(report.summary(), fg=None if report.ok else "red")
        for item in report.missing:
            click.echo(f"  missing: {item}")
    if not all_ok:
        raise SystemExit(1)
