"""Stored translations read by sample id: how a trainer reuses a translated training set made once (on a GPU).

``open_translations("synth-train-day", "gdt", "night")`` finds the set ``udebench translate`` stored
last for that split (same source config and seed, and the translator options asked for) and reads
its images by sample id; a sample it does not hold reads as None, so a trainer can fall back to
the clean image or an on-the-fly translation. Readers are small and picklable (DataLoader workers).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from udebench.errors import UdebenchError
from udebench.translate.cache import Manifest, TranslationIdentity, TranslationSet, find_sets
from udebench.translate.split import make_command


class TranslationReader:
    """One stored translation set: ``get(sample_id)`` → ``uint8 HxWx3`` or None; ``identity`` says what made it."""

    def __init__(self, manifest: Manifest, cache_dir: str | os.PathLike | None = None) -> None:
        self._set = TranslationSet(manifest.identity, cache_dir)
        self.count_at_open = manifest.count

    @property
    def identity(self) -> TranslationIdentity:
        """Source split and config, translator name, version, options, weights sha256, seed, condition."""
        return self._set.identity

    @property
    def key(self) -> str:
        """The set's content address (record it with a training run)."""
        return self._set.identity.key

    @property
    def split_name(self) -> str:
        return self._set.identity.split_name

    def get(self, sample_id: str) -> Any:
        """The translated image of ``sample_id``, or None when the set does not hold it."""
        return self._set.read(str(sample_id))

    def __contains__(self, sample_id: object) -> bool:
        return self._set.is_done(str(sample_id))

    def provenance(self, sample_id: str) -> dict[str, Any] | None:
        """The provenance record stored with ``sample_id``'s image (None when there is none)."""
        return self._set.provenance(str(sample_id))

    def __repr__(self) -> str:
        return f"TranslationReader({self.split_name}, key={self.key}, {self.count_at_open} images)"


def open_translations(source_split: str, translator: str, condition: str, *, seed: int = 0,
                      split_options: Mapping[str, Any] | None = None, data_root: str | None = None,
                      cache_dir: str | os.PathLike | None = None, **options: Any) -> TranslationReader:
    """The stored translation of ``source_split`` (built with ``split_options``) by ``translator`` into
    ``condition`` with ``seed``, whose resolved translator options include ``options``; the latest one
    ``udebench translate`` made when several match. None stored: a one-line error naming the command."""
    from udebench.api import get_split

    split_options = dict(split_options or {})
    source = get_split(source_split, data_root=data_root, **split_options)
    found = find_sets(source_split, translator, condition, seed=seed, options=options, cache_dir=cache_dir,
                      source_config=dict(getattr(source, "config", {}) or {}))
    if not found:
        hint = make_command(source_split, translator, condition, seed=seed, split_options=split_options,
                            options=options)
        raise UdebenchError(f"no stored translation of {source_split} by {translator} into {condition} "
                            f"(seed {seed}): {hint} makes it")
    return TranslationReader(found[0], cache_dir)
