"""Translated splits: ``<source>@<translator>-<condition>``, e.g. ``synth-day@physics-night``.

The translator sees only what it would see on real data: the RGB image (and, for
translators that take one, a depth map predicted by a model — never the ground truth).
Ground truth, intrinsics and sample ids come unchanged from the source split.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from udebench.errors import UnknownNameError
from udebench.specs import SplitSpec, TranslatorSpec


def parse_translated_name(name: str, translators: dict[str, Any]) -> tuple[str, str, str]:
    """``source@translator-condition`` → (source, translator, condition); the longest known translator wins."""
    source, sep, rest = name.partition("@")
    if not sep or not source or not rest:
        raise UnknownNameError(f"split {name!r}: a translated split is named <source>@<translator>-<condition>")
    for translator in sorted(translators, key=len, reverse=True):
        if rest.startswith(translator + "-") and len(rest) > len(translator) + 1:
            return source, translator, rest[len(translator) + 1:]
    import difflib

    close = difflib.get_close_matches(rest.rsplit("-", 1)[0], list(translators), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownNameError(f"split {name!r}: no translator matches {rest!r}{hint} "
                           "(`udebench list translators` shows them)")


class TranslatedSplit(Sequence):
    """``source[i]`` with its image translated; seeded by the sample id, so every run sees the same images."""

    def __init__(self, source: Sequence[dict[str, Any]], translator: Any, condition: str, *, seed: int = 0) -> None:
        self.source = source
        self.translator = translator
        self.condition = condition
        self.seed = seed

    def __len__(self) -> int:
        return len(self.source)

    @property
    def sample_ids(self) -> list[str] | None:
        return getattr(self.source, "sample_ids", None)

    @property
    def config(self) -> dict[str, Any]:
        return {"source": getattr(self.source, "config", {}), "condition": self.condition, "seed": self.seed}

    def __getitem__(self, index: int) -> dict[str, Any]:  # type: ignore[override]
        sample = dict(self.source[index])
        seed = zlib.crc32(f"{self.seed}:{sample['sample_id']}".encode())
        sample["image"] = self.translator(sample["image"], self.condition, seed=seed)
        sample["condition"] = self.condition
        return sample


def translated_split_spec(name: str, splits: dict[str, Any], translators: dict[str, Any]) -> SplitSpec:
    """The SplitSpec of a translated split, derived from its source's (same caps, crop, count)."""
    source_name, translator_name, condition = parse_translated_name(name, translators)
    if source_name not in splits:
        from udebench.plugins import lookup

        lookup("splits", source_name)  # raises with close names
    source: SplitSpec = splits[source_name].spec
    translator: TranslatorSpec = translators[translator_name].spec
    if translator.conditions and condition not in translator.conditions:
        raise UnknownNameError(f"split {name!r}: translator {translator_name} knows conditions "
                               f"{', '.join(translator.conditions)}, not {condition!r}")

    def factory(data_root: str | None = None, seed: int = 0, **options: Any) -> TranslatedSplit:
        return TranslatedSplit(source.factory(data_root=data_root, **options), translator.factory(seed=seed),
                               condition, seed=seed)

    return replace(source, name=name, factory=factory, condition=condition,
                   description=f"{source_name} translated by {translator_name} to {condition}", check=source.check)
