"""The typed record of one stored run: what ``udebench evaluate`` returns and every report reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


def run_label(model: str, tag: str | None, protocol_overrides: Mapping[str, Any] | None = None) -> str:
    """``model``, ``model[tag]``, and ``{key=value,...}`` after it for a run whose split protocol was overridden:
    how a run is named in every table, bar and message, so an overridden run never passes for the benchmark's."""
    label = f"{model}[{tag}]" if tag else model
    if protocol_overrides:
        label += "{" + ",".join(f"{key}={_shown(value)}" for key, value in sorted(protocol_overrides.items())) + "}"
    return label


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "x".join(str(v) for v in value) if all(isinstance(v, int) for v in value) else ",".join(map(str, value))
    return str(value).lower() if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class RunSummary:
    """A run's identity, status, sample counts and mean metrics, recomputed from its per-sample rows.

    ``metrics`` are means over ``ok`` samples (``math.fsum``); a metric that is NaN on an ok sample (no
    pixel it counts) skips that sample, and ``metric_nan_counts`` says how many it skipped.
    """

    run_id: int
    model: str
    tag: str | None
    split: str
    status: str
    n_samples: int
    n_expected: int | None
    n_done: int
    n_errors: int
    n_invalid_predictions: int
    n_no_valid_gt: int
    alignment: str | None
    options: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    metric_nan_counts: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    created_at: str | None = None
    finished_at: str | None = None
    weights_sha256: str | None = None
    versions: dict[str, Any] = field(default_factory=dict)
    #: the distribution(s) that registered the model (and translator): {"model": "udebench-ude==0.1.0", ...}
    providers: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return run_label(self.model, self.tag, self.protocol_overrides)

    @property
    def protocol_overrides(self) -> dict[str, Any]:
        """The ``--protocol-override`` values this run was scored under (empty: the split's own protocol)."""
        return dict(self.options.get("protocol_overrides") or {})

    @property
    def limited(self) -> bool:
        """True when the run covered only the first ``--limit`` samples of its split."""
        return self.options.get("limit") is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
