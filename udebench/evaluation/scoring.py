"""How one run scores a prediction: the split's protocol, the alignment and the metrics, as one frozen record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from udebench.evaluation.protocol_spec import Protocol


@dataclass(frozen=True)
class Scoring:
    """Alignment, the split's protocol (caps, crop, upsampling, median, ...) and the metrics (name → ``fn``)."""

    alignment: str
    protocol: Protocol = field(default_factory=Protocol)
    metrics: Mapping[str, Callable[..., Any]] = field(default_factory=dict)

    @property
    def min_depth(self) -> float:
        return self.protocol.min_depth

    @property
    def max_depth(self) -> float:
        return self.protocol.max_depth

    @property
    def crop(self) -> str | None:
        return self.protocol.crop

    def score(self, pred: Any, gt: Any) -> list[dict[str, Any]]:
        """:func:`udebench.evaluation.protocol.score_batch` under these conventions (``gt`` dense or points)."""
        from udebench.evaluation.protocol import score_batch

        p = self.protocol
        return score_batch(pred, gt, alignment=self.alignment, min_depth=p.min_depth, max_depth=p.max_depth,
                           crop=p.crop, metrics=self.metrics or None, gt_range=p.gt_range,
                           upsample_mode=p.upsample_mode, align_corners=p.align_corners,
                           upsample_space=p.upsample_space, median=p.median)
