"""`udebench synth ...`: commands of the synth world (registered by its hooks module)."""

from __future__ import annotations

import click


@click.group(name="synth")
def synth_group() -> None:
    """The procedural synth world (no download needed)."""


@synth_group.command(name="preview")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="PNG to write.")
@click.option("--scenes", default=4, show_default=True, type=click.IntRange(min=1))
@click.option("--height", default=192, show_default=True, type=click.IntRange(min=16))
@click.option("--width", default=640, show_default=True, type=click.IntRange(min=16))
def synth_preview(output: str, scenes: int, height: int, width: int) -> None:
    """Write a contact sheet: scenes × (day, night, rain, fog, snow, depth)."""
    from udebench.data.synth.preview import write_preview

    write_preview(output, n_scenes=scenes, height=height, width=width)
    click.echo(f"wrote {output}")
