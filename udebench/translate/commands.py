"""``udebench translate``: store a translated split once (resumable), then read it as ``<split>@<translator>-<c>``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click


def parse_option(text: str) -> tuple[str, Any]:
    """``key=value`` → (key, value); the value is read as JSON when it is JSON (numbers, booleans, lists,
    objects, null), else kept as text: ``strength=0.6`` gives a float, ``prompt=at night`` a string."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise click.BadParameter(f"{text!r}: expected KEY=VALUE")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return key.strip(), value


def _options(values: tuple[str, ...]) -> dict[str, Any]:
    return dict(parse_option(value) for value in values)


@click.command(name="translate")
@click.option("--split", "-s", required=True, help="Source split, e.g. synth-day or nuscenes-day.")
@click.option("--translator", "-t", required=True, help="Registered translator (`udebench list translators`).")
@click.option("--condition", "-c", required=True, help="Target condition, e.g. night.")
@click.option("--limit", default=None, type=click.IntRange(min=1), help="Only the first N samples.")
@click.option("--seed", default=0, show_default=True, type=int, help="Run seed; each sample's is derived from it.")
@click.option("--batch-size", default=1, show_default=True, type=click.IntRange(min=1),
              help="Images per translator call (same-size images).")
@click.option("--weights", default=None, help="The translator's weights file or folder.")
@click.option("--option", "-o", "translator_options", multiple=True, metavar="KEY=VALUE",
              help="A translator option (repeatable); VALUE is read as JSON when it is JSON.")
@click.option("--split-option", "split_options", multiple=True, metavar="KEY=VALUE",
              help="An option of the source split (repeatable), e.g. height=192.")
@click.option("--data-root", default=None, envvar="UDEBENCH_DATA_ROOT", help="Root folder of real datasets.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object on stdout.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def translate_command(split: str, translator: str, condition: str, limit: int | None, seed: int, batch_size: int,
                      weights: str | None, translator_options: tuple[str, ...], split_options: tuple[str, ...],
                      data_root: str | None, as_json: bool, no_progress: bool) -> None:
    """Translate SPLIT into CONDITION and store it; `SPLIT@TRANSLATOR-CONDITION` then reads the stored images.

    Stored under $UDEBENCH_CACHE/translations with one provenance record per image; running the same
    command again skips what is stored, so an interrupted run resumes.
    """
    from udebench.translate.materialize import translate_split
    from udebench.translate.options import TranslateOptions

    options = TranslateOptions(split=split, translator=translator, condition=condition, limit=limit, seed=seed,
                               batch_size=batch_size, weights=weights,
                               translator_options=_options(translator_options),
                               split_options=_options(split_options), data_root=data_root, progress=not no_progress)
    try:
        summary = translate_split(options)
    except KeyboardInterrupt:
        click.echo("interrupted: finished images are stored; run the same command again to resume", err=True)
        sys.exit(130)
    if as_json:
        click.echo(json.dumps({"split": summary.split, "key": summary.key, "folder": str(summary.folder),
                               "n_requested": summary.n_requested, "n_translated": summary.n_translated,
                               "n_skipped": summary.n_skipped, "n_stored": summary.n_stored,
                               "seconds": summary.seconds, "images_per_second": summary.images_per_second}))
        return
    click.echo(f"{summary.split}: {summary.n_translated} translated, {summary.n_skipped} already stored "
               f"({summary.images_per_second:.2f} images/s); {summary.n_stored} stored in {summary.folder}")
