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
        from udebench.engine.progress import start_progress

        self._progress, self._task = start_progress(self.description, total=self.total, completed=self.done)

    def before_test(self, runner) -> None:
        self._start()

    def after_test_iter(self, runner, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        if self._progress is None:
            return
        n = len(outputs) if outputs is not None else 1
        self._progress.advance(self._task, n)
        task = self._progress.tasks[0]
        speed = task.speed
        self._progress.update(self._task, info=f"{speed:.1f} samples/s" if speed else "")

    def after_test(self, runner) -> None:
        self.close()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
