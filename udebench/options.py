"""The options of one evaluation, as one frozen record that travels CLI → API → engine → store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from udebench.errors import UdebenchError

ON_ERROR: tuple[str, ...] = ("raise", "skip")


@dataclass(frozen=True)
class EvalOptions:
    """How to evaluate: everything ``udebench evaluate`` takes besides the model and the split.

    Which of these change the numbers (alignment, flip_pp, amp, limit, metrics, split options, protocol
    overrides, batch size) is decided where the run identity is built (:func:`udebench.api.run_identity`);
    the others (device, workers, progress, launcher) only change how fast the same numbers come.
    """

    weights: str | None = None
    #: alignment before scoring; None = the default of the model's output kind
    align: str | None = None
    batch_size: int = 4
    device: str | None = None
    limit: int | None = None
    tag: str | None = None
    results: str | Path | None = None
    num_workers: int | None = None
    #: flip post-processing; None = the split protocol's default
    flip_pp: bool | None = None
    amp: bool = False
    on_error: str = "raise"
    data_root: str | None = None
    split_options: Mapping[str, Any] = field(default_factory=dict)
    #: metric names to compute; None = every registered metric
    metrics: tuple[str, ...] | None = None
    progress: bool = True
    #: protocol conventions replaced for an experiment, typed (``udebench.evaluation.protocol_spec.parse_override``):
    #: ``{"median": "torch"}``; such a run has its own identity and a marked label
    protocol_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: how the processes of a distributed run were started: none (one process), pytorch (torchrun), slurm (srun)
    launcher: str = "none"

    def check(self) -> EvalOptions:
        """Raise a one-line UdebenchError for a value no evaluation can take; returns self."""
        from udebench.evaluation.alignment import ALIGNMENTS

        if self.on_error not in ON_ERROR:
            raise UdebenchError(f"--on-error {self.on_error!r}: choose one of {', '.join(ON_ERROR)}")
        if self.align is not None and self.align not in ALIGNMENTS:
            raise UdebenchError(f"--align {self.align!r}: choose one of {', '.join(ALIGNMENTS)}")
        if self.batch_size < 1:
            raise UdebenchError(f"--batch-size must be ≥ 1, got {self.batch_size}")
        if self.limit is not None and self.limit < 1:
            raise UdebenchError(f"--limit must be ≥ 1, got {self.limit}")
        from udebench.engine.distributed import LAUNCHERS

        if self.launcher not in LAUNCHERS:
            raise UdebenchError(f"--launcher {self.launcher!r}: choose one of {', '.join(LAUNCHERS)}")
        if self.metrics is not None and not self.metrics:
            raise UdebenchError("--metrics: name at least one metric (`udebench list metrics`)")
        return self
