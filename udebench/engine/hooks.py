"""mmengine hooks: a rich progress bar (samples/s, ETA) on stderr."""

from __future__ import annotations

from typing import Any

from mmengine.hooks import Hook


class RichProgressHook(Hook):
    """Shows samples done / total with speed and ETA; ``done`` counts samples resumed from the store."""

    priority = "VERY_LOW"

    def __init__(self, *, total: int, done: int = 0, description: str = "evaluating", enabled: bool = True) -> None:
        self.total = total
        self.done = done
        self.description = description
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def _start(self) -> None:
        if not self.enabled or self._progress is not None:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(stderr=True), transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(self.description, total=self.total, completed=self.done, rate="")

    def before_test(self, runner) -> None:
        self._start()

    def after_test_iter(self, runner, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        if self._progress is None:
            return
        n = len(outputs) if outputs is not None else 1
        self._progress.advance(self._task, n)
        task = self._progress.tasks[0]
        speed = task.speed
        self._progress.update(self._task, rate=f"{speed:.1f} samples/s" if speed else "")

    def after_test(self, runner) -> None:
        self.close()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
