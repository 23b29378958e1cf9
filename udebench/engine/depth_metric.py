"""mmengine DepthMetric: scores each batch, writes it to the results store, keeps only running totals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from mmengine.evaluator import BaseMetric

from udebench.engine.dataset import as_tensor
from udebench.engine.distributed import SINGLE, ProcessGroup
from udebench.errors import CorruptSampleError
from udebench.evaluation.points import DepthPoints
from udebench.evaluation.scoring import Scoring


class DepthMetric(BaseMetric):
    """Per-image metrics (Monodepth2/md4all: per image, then the mean over images).

    ``process`` scores a batch against its ground truth and commits the rows to the store in one
    transaction, so an interrupted run loses at most the batch in flight. In a distributed run the
    rows of every rank are gathered after each batch and rank 0 (the only one with a ``sink``) stores
    them; a rank whose share is done keeps joining the gathers from :meth:`evaluate` until every rank
    is done, so ranks with one batch more or less stay in step. A sample that could not be read or
    predicted is an ``error`` row: ``on_error="skip"`` stores it, ``"raise"`` stores the rest of the
    batch and raises the same one-line error on every rank. Memory does not grow with the number of
    samples: what :meth:`evaluate` returns comes from running totals (the store's summary is the reference).
    """

    default_prefix = "depth"

    def __init__(self, scoring: Scoring, *, sink: Callable[[list[dict[str, Any]]], None] | None = None,
                 on_error: str = "raise", group: ProcessGroup = SINGLE,
                 on_stored: Callable[[int], None] | None = None) -> None:
        super().__init__(collect_device="cpu")
        self.scoring = scoring
        self.sink = sink  # called with the batch's rows (the results store writer)
        self.on_error = on_error
        self.group = group
        self.on_stored = on_stored  # told how many rows each step stored (the progress bar)
        self._totals: dict[str, tuple[float, int]] = {}
        self._counts = {"ok": 0, "not_ok": 0}

    def process(self, data_batch: dict[str, Any], data_samples: Sequence[dict[str, Any]]) -> None:
        try:
            rows = self._score(data_batch, data_samples)
        except Exception as exc:  # never leave the other ranks waiting: every rank raises below
            rows = [_error_row(s, f"scoring failed: {type(exc).__name__}: {exc}") for s in data_samples]
        local = next((s.get("exception") for s in data_samples if s.get("exception") is not None), None)
        self._publish(rows, finished=False, local_exception=local)

    def _publish(self, rows: list[dict[str, Any]], *, finished: bool,
                 local_exception: BaseException | None = None) -> bool:
        """Gather every rank's rows, store them on rank 0, raise any error; True once every rank is done."""
        all_finished = finished
        if self.group.distributed:
            parts = self.group.gather((rows, finished))
            rows = sorted((row for part, _ in parts for row in part), key=lambda row: row["index"])
            all_finished = all(done for _, done in parts)
        failed = [row for row in rows if row["status"] == "error"] if self.on_error == "raise" else []
        keep = [row for row in rows if row["status"] != "error"] if failed else rows
        if self.sink is not None and keep:
            self.sink(keep)
        self._count(keep)
        if self.on_stored is not None and keep:
            self.on_stored(len(keep))
        if failed:
            raise CorruptSampleError(f"sample {failed[0]['sample_id']}: {failed[0]['error']} "
                                     "(use --on-error skip to record it and go on)") from local_exception
        return all_finished

    def _score(self, data_batch: dict[str, Any], data_samples: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = [_error_row(s, s["error"]) for s in data_samples if s["error"] is not None]
        scored = [s for s in data_samples if s["error"] is None]
        depth, sizes = data_batch["depth"], data_batch["depth_size"]
        gt_of = dict(zip(data_batch["indices"], depth, strict=True)) if depth is not None else {}
        size_of = dict(zip(data_batch["indices"], sizes, strict=True)) if sizes is not None else {}
        gts = [gt_of[s["index"]] for s in scored]
        gt_sizes = [size_of[s["index"]] for s in scored]
        for group in _same_size_groups(scored, gts, gt_sizes):
            preds = torch.stack([scored[i]["pred"] for i in group])
            gt = _ground_truth([gts[i] for i in group], gt_sizes[group[0]], preds.device)
            per_image = self.scoring.score(preds, gt)
            for i, result in zip(group, per_image, strict=True):
                rows.append(_row(scored[i], result))
        rows.sort(key=lambda row: row["index"])
        return rows

    def _count(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            if row["status"] != "ok":
                self._counts["not_ok"] += 1
                continue
            self._counts["ok"] += 1
            for name, value in row["metrics"].items():
                if value == value:  # a NaN metric (no pixel it counts) is left out of its mean, as in the store
                    total, n = self._totals.get(name, (0.0, 0))
                    self._totals[name] = (total + value, n + 1)

    def compute_metrics(self, results: list[dict[str, Any]]) -> dict[str, float]:
        means = {name: total / n for name, (total, n) in self._totals.items()}
        means["n_ok"] = float(self._counts["ok"])
        means["n_not_ok"] = float(self._counts["not_ok"])
        return means

    def evaluate(self, size: int) -> dict[str, float]:
        """The running means; rows were gathered batch by batch, so there is nothing left to collect.

        In a distributed run this rank first joins the gathers of the ranks still at work.
        """
        while self.group.distributed and not self._publish([], finished=True):
            pass
        means = self.compute_metrics([])
        self._totals, self._counts = {}, {"ok": 0, "not_ok": 0}
        return {f"{self.prefix}/{name}" if self.prefix else name: value for name, value in means.items()}


def _same_size_groups(scored: list[dict[str, Any]], gts: Any, sizes: Any) -> list[list[int]]:
    """Indices into ``scored`` grouped by (prediction size, ground-truth size, points or dense map)."""
    groups: dict[tuple, list[int]] = {}
    for i, sample in enumerate(scored):
        key = (tuple(sample["pred"].shape), tuple(sizes[i]), isinstance(gts[i], tuple))
        groups.setdefault(key, []).append(i)
    return list(groups.values())


def _ground_truth(gts: list[Any], size: tuple[int, int], device: Any) -> Any:
    """One group's ground truth: a ``[B,H,W]`` tensor from dense maps, :class:`DepthPoints` from points."""
    if isinstance(gts[0], tuple):  # (rows, cols, depth) of sparse ground truth
        return DepthPoints.stack(gts, size).to(device)
    return torch.stack([as_tensor(gt) for gt in gts]).to(device)


COUNT_KEYS = ("n_valid", "n_nonfinite", "n_nonpositive")


def _error_row(sample: dict[str, Any], message: str) -> dict[str, Any]:
    return {"sample_id": sample["sample_id"], "index": sample["index"], "status": "error", "error": message,
            "metrics": {}, "counts": {}}


def _row(sample: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    counts = {k: int(result[k]) for k in COUNT_KEYS if k in result}
    metrics = {k: float(v) for k, v in result.items() if k not in COUNT_KEYS and k != "status"}
    return {"sample_id": sample["sample_id"], "index": sample["index"], "status": result["status"],
            "error": None, "metrics": metrics, "counts": counts}
