"""mmengine hooks: the shared progress bar (samples/s, ETA) on stderr."""

from __future__ import annotations

from typing import Any

from mmengine.hooks import Hook

from udebench.progress import ProgressBar


class RichProgressHook(Hook):
    """Shows samples done / total with speed and ETA; ``done`` counts samples resumed from the store."""

    priority = "VERY_LOW"

    def __init__(self, *, total: int, done: int = 0, description: str = "evaluating", enabled: bool = True) -> None:
        self.bar = ProgressBar(description, total=total, completed=done, unit="samples", enabled=enabled)

    def before_test(self, runner) -> None:
        self.bar.start()

    def after_test_iter(self, runner, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        self.bar.advance(len(outputs) if outputs is not None else 1)

    def after_test(self, runner) -> None:
        self.close()

    def close(self) -> None:
        self.bar.stop()
