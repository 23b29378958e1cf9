"""One rich progress bar style for every long loop (evaluation, training, translation), on stderr."""

from __future__ import annotations

from typing import Any


def start_progress(description: str, *, total: int, completed: int = 0) -> tuple[Any, Any]:
    """A started ``rich.progress.Progress`` and its task; ``task.fields['info']`` holds rate/loss text."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=Console(stderr=True),
    )
    progress.start()
    task = progress.add_task(description, total=total, completed=completed, info="")
    return progress, task
