"""Per-image metric values of stored runs, as numpy arrays, and the seeded resampling every interval shares."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from udebench.results.store import ResultsStore


@dataclass(frozen=True)
class PerImage:
    """One run's images in split order: their ids and, per metric, a value or NaN (a sample not ``ok``, or NaN)."""

    run_id: int
    sample_ids: tuple[str, ...]
    values: dict[str, np.ndarray]

    def finite(self, metric: str) -> np.ndarray:
        """The metric over the images that have it (what the run's mean averages)."""
        import numpy as np

        column = self.values[metric]
        return column[np.isfinite(column)]

    def dee(self) -> np.ndarray:
        """Per-image DEE ``(abs_rel - a1 + 1) / 2`` (RoboDepth), NaN where either is missing; its mean is the DEE."""
        return (self.values["abs_rel"] - self.values["a1"] + 1.0) / 2.0


def load_per_image(store: ResultsStore, run_id: int, metrics: list[str] | tuple[str, ...]) -> PerImage:
    """The run's per-sample rows as arrays; a metric the run did not compute is all NaN."""
    import numpy as np

    rows: list[dict[str, Any]] = store.samples(run_id)
    values = {
        metric: np.array(
            [row["metrics"].get(metric, np.nan) if row["status"] == "ok" else np.nan for row in rows], dtype=np.float64
        )
        for metric in metrics
    }
    return PerImage(run_id=run_id, sample_ids=tuple(row["sample_id"] for row in rows), values=values)


def split_seed(seed: int, split: str) -> int:
    """The resampling seed of one split: runs on the same split draw the same images, so they resample in pairs."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{split}".encode()).digest()[:8], "little")


def resampled_means(values: np.ndarray, *, split: str, seed: int, n_resamples: int) -> np.ndarray:
    """``n_resamples`` bootstrap means of ``values`` (finite), drawn with :func:`split_seed`."""
    from udebench.evaluation.statistics import bootstrap_means

    return bootstrap_means(values, n_resamples=n_resamples, seed=split_seed(seed, split))
