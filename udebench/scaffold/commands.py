"""`udebench new-plugin NAME`: scaffold an installable plugin distribution."""

from __future__ import annotations

from pathlib import Path

import click

from udebench.errors import one_line_errors


@click.command("new-plugin")
@click.argument("name")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder to create udebench-NAME in.")
@one_line_errors
def new_plugin(name: str, output: Path) -> None:
    """Write udebench-NAME/: a model, a metric and a translator to fill in, a README and a conformance test."""
    from udebench.scaffold import plugin_files, plugin_names, write_plugin

    root = write_plugin(name, output)
    names = plugin_names(name)
    for relative in sorted(plugin_files(names)):
        click.echo(f"wrote {root / relative}")
    click.echo(f"next: pip install -e {root} && pytest {root / 'tests'} && "
               f"udebench evaluate --model {names.model} --split synth-day --limit 8")
