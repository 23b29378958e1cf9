"""mmengine DepthMetric: scores each batch, writes it to the results store, keeps only small dicts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from mmengine.evaluator import BaseMetric

from udebench.evaluation.points import DepthPoints
from udebench.evaluation.scoring import Scoring


class DepthMetric(BaseMetric):
    """Per-image metrics (Monodepth2/md4all: per image, then the mean over images).

    ``process`` scores a batch against its ground truth and commits the rows to the store
    in one transaction, so an interrupted run loses at most the batch in flight. Only
    per-image metric dicts stay in memory: memory does not grow with the pixel count.
    """

    default_prefix = "depth"

    def __init__(self, scoring: Scoring, *, sink: Any = None) -> None:
        super().__init__(collect_device="cpu")
        self.scoring = scoring
        self.sink = sink  # called with the batch's rows (the results store writer)

    def process(self, data_batch: dict[str, Any], data_samples: Sequence[dict[str, Any]]) -> None:
        rows = [
            {"sample_id": s["sample_id"], "index": s["index"], "status": "error", "error": s["error"],
             "metrics": {}, "counts": {}}
            for s in data_samples if s["error"] is not None
        ]
        scored = [s for s in data_samples if s["error"] is None]
        gts, sizes = data_batch["depth"], data_batch["depth_size"]
        for group in _same_size_groups(scored, gts, sizes):
            preds = torch.stack([scored[i]["pred"] for i in group])
            per_image = self.scoring.score(preds, _ground_truth([gts[i] for i in group], sizes[group[0]], preds.device))
            for i, result in zip(group, per_image, strict=True):
                rows.append(_row(scored[i], result))
        rows.sort(key=lambda row: row["index"])
        if self.sink is not None and rows:
            self.sink(rows)
        self.results.extend({"status": r["status"], **r["metrics"]} for r in rows)

    def compute_metrics(self, results: list[dict[str, Any]]) -> dict[str, float]:
        ok = [r for r in results if r["status"] == "ok"]
        names = [k for k in (ok[0] if ok else {}) if k != "status"]
        means = {name: math.fsum(r[name] for r in ok) / len(ok) for name in names}
        means["n_ok"] = float(len(ok))
        means["n_not_ok"] = float(len(results) - len(ok))
        return means


def _same_size_groups(scored: list[dict[str, Any]], gts: Any, sizes: Any) -> list[list[int]]:
    """Indices into ``scored`` grouped by (prediction size, ground-truth size, points or dense map)."""
    groups: dict[tuple, list[int]] = {}
    for i, sample in enumerate(scored):
        key = (tuple(sample["pred"].shape), tuple(sizes[i]), isinstance(gts[i], torch.Tensor))
        groups.setdefault(key, []).append(i)
    return list(groups.values())


def _ground_truth(gts: list[Any], size: tuple[int, int], device: Any) -> Any:
    """One group's ground truth: a ``[B,H,W]`` tensor from dense maps, :class:`DepthPoints` from points."""
    if isinstance(gts[0], torch.Tensor):
        return torch.stack(gts).to(device)
    return DepthPoints.stack(gts, size).to(device)


COUNT_KEYS = ("n_valid", "n_nonfinite", "n_nonpositive")


def _row(sample: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    counts = {k: int(result[k]) for k in COUNT_KEYS if k in result}
    metrics = {k: float(v) for k, v in result.items() if k not in COUNT_KEYS and k != "status"}
    return {"sample_id": sample["sample_id"], "index": sample["index"], "status": result["status"],
            "error": None, "metrics": metrics, "counts": counts}
