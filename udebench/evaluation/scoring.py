"""How one run scores a prediction: the split's conventions and the metrics, as one frozen record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Scoring:
    """Alignment, GT caps and crop of the split, and the metrics (name → ``fn(pred, gt, valid)``)."""

    alignment: str
    min_depth: float
    max_depth: float
    crop: str | None = None
    metrics: Mapping[str, Callable[..., Any]] = field(default_factory=dict)

    def score(self, pred: Any, gt: Any) -> list[dict[str, Any]]:
        """:func:`udebench.evaluation.protocol.score_batch` under these conventions."""
        from udebench.evaluation.protocol import score_batch

        return score_batch(pred, gt, alignment=self.alignment, min_depth=self.min_depth, max_depth=self.max_depth,
                           crop=self.crop, metrics=self.metrics or None)
