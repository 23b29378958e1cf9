"""One rich progress bar style for every long loop (evaluation, training, translation), on stderr."""

from __future__ import annotations

from typing import Any


def start_progress(description: str, *, total: int, completed: int = 0) -> tuple[Any, Any]:
    """A started ``rich.progress.Progress`` and its task; ``task.fields['info']`` holds rate/loss text.

    The caller stops it (``progress.stop()``); :func:`progress_bar` does that for you.
    """
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


class ProgressBar:
    """A progress bar on stderr: done/total, rate in ``unit``/s, extra ``info`` text, elapsed time and ETA.

    Use it as a context manager (:func:`progress_bar`), or call :meth:`start` and :meth:`stop` from
    callbacks (training hooks). A disabled bar ignores every call.
    """

    def __init__(self, description: str, *, total: int, completed: int = 0, unit: str = "items",
                 enabled: bool = True) -> None:
        self.description = description
        self.total = total
        self.completed = completed
        self.unit = unit
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def start(self) -> ProgressBar:
        if self.enabled and self._progress is None:
            self._progress, self._task = start_progress(self.description, total=self.total, completed=self.completed)
        return self

    def advance(self, n: int = 1, info: str | None = None) -> None:
        """Count ``n`` more items done; ``info`` (e.g. ``"loss 0.123"``) is shown after the rate."""
        if self._progress is None:
            return
        self._progress.advance(self._task, n)
        speed = self._progress.tasks[0].speed
        rate = f"{speed:.1f} {self.unit}/s" if speed else ""
        self._progress.update(self._task, info=" · ".join(part for part in (rate, info) if part))

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __enter__(self) -> ProgressBar:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def progress_bar(description: str, *, total: int, completed: int = 0, unit: str = "items",
                 enabled: bool = True) -> ProgressBar:
    """``with progress_bar("translating", total=n, unit="images") as bar: ... bar.advance(k)``.

    ``completed`` counts work already done before this session (a resumed run); ``enabled=False``
    gives a bar that shows nothing (``--no-progress``, tests).
    """
    return ProgressBar(description, total=total, completed=completed, unit=unit, enabled=enabled)
