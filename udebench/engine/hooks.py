"""mmengine hooks: the shared progress bar (samples/s, ETA) on stderr."""

from __future__ import annotations

from mmengine.hooks import Hook

from udebench.progress import ProgressBar


class RichProgressHook(Hook):
    """Shows samples done / total with speed and ETA; ``done`` counts samples resumed from the store.

    The bar moves as rows are stored (:meth:`advance`, called by :class:`DepthMetric`), so in a
    distributed run rank 0's bar counts the samples of every rank.
    """

    priority = "VERY_LOW"

    def __init__(self, *, total: int, done: int = 0, description: str = "evaluating", enabled: bool = True) -> None:
        self.bar = ProgressBar(description, total=total, completed=done, unit="samples", enabled=enabled)

    def before_test(self, runner) -> None:
        self.bar.start()

    def advance(self, n: int) -> None:
        self.bar.advance(n)

    def after_test(self, runner) -> None:
        self.close()

    def close(self) -> None:
        self.bar.stop()
