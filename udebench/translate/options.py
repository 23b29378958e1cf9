"""The options of one ``udebench translate`` run and what it reports: frozen records, CLI → API → engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from udebench.errors import UdebenchError


@dataclass(frozen=True)
class TranslateOptions:
    """What to translate and how: ``split`` by ``translator`` into ``condition``."""

    split: str
    translator: str
    condition: str
    #: only the first N samples of the split
    limit: int | None = None
    #: the run's seed; each sample's seed is ``sample_seed(seed, sample_id)``
    seed: int = 0
    #: images per ``translate_batch`` call (same-size images only; 1 = one ``translator(image)`` call each)
    batch_size: int = 1
    #: the translator's weights (file or folder), passed to its factory as ``weights=``
    weights: str | None = None
    #: translator options (``--option k=v``), passed to its factory
    translator_options: Mapping[str, Any] = field(default_factory=dict)
    #: options of the source split (``--split-option k=v``), e.g. a synth image size
    split_options: Mapping[str, Any] = field(default_factory=dict)
    data_root: str | None = None
    cache_dir: str | Path | None = None
    progress: bool = True

    def check(self) -> TranslateOptions:
        """Raise a one-line UdebenchError for a value no run can take; returns self."""
        if "@" in self.split:
            raise UdebenchError(f"--split {self.split}: already a translated split; translate its source "
                                f"({self.split.partition('@')[0]}) instead")
        if self.limit is not None and self.limit < 1:
            raise UdebenchError(f"--limit must be ≥ 1, got {self.limit}")
        if self.batch_size < 1:
            raise UdebenchError(f"--batch-size must be ≥ 1, got {self.batch_size}")
        if "weights" in self.translator_options:
            raise UdebenchError("--option weights=...: give the translator's weights with --weights")
        return self


@dataclass(frozen=True)
class TranslateSummary:
    """What a ``udebench translate`` run did."""

    split: str
    key: str
    folder: Path
    #: samples the run covered (the split, or its first ``limit``)
    n_requested: int
    #: translated by this run
    n_translated: int
    #: already stored before it (a resumed run)
    n_skipped: int
    #: images the stored set holds now (this run's and others', e.g. a larger --limit before)
    n_stored: int
    seconds: float

    @property
    def images_per_second(self) -> float:
        return self.n_translated / self.seconds if self.seconds > 0 else 0.0
