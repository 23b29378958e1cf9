"""Translated splits: ``<source>@<translator>-<condition>``, e.g. ``synth-day@physics-night``.

The translator sees only what it would see on real data: the RGB image (and, for
translators that take one, a depth map predicted by a model — never the ground truth).
Ground truth, intrinsics and sample ids come unchanged from the source split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from udebench.errors import UnknownNameError, unknown_name
from udebench.specs import AdverseCondition, SplitSpec, TranslatorSpec
from udebench.translate.contract import as_translator, sample_seed


def parse_translated_name(name: str, translators: dict[str, Any]) -> tuple[str, str, str]:
    """``source@translator-condition`` → (source, translator, condition); the longest known translator wins."""
    source, sep, rest = name.partition("@")
    if not sep or not source or not rest:
        raise UnknownNameError(f"split {name!r}: a translated split is named <source>@<translator>-<condition>")
    for translator in sorted(translators, key=len, reverse=True):
        if rest.startswith(translator + "-") and len(rest) > len(translator) + 1:
            return source, translator, rest[len(translator) + 1:]
    if rest in translators:
        conditions = getattr(translators[rest].spec, "conditions", ()) or ("<condition>",)
        example = f"{source}@{rest}-{conditions[0]}"
        raise UnknownNameError(f"split {name!r}: the -<condition> part is missing, e.g. {example} "
                               f"(translator {rest} knows: {', '.join(conditions)})")
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
        """The source's config and what fixes the translation: translator name, version, options, seed."""
        return {"source": getattr(self.source, "config", {}), "condition": self.condition, "seed": self.seed,
                "translator": getattr(self.translator, "name", None),
                "translator_version": str(getattr(self.translator, "version", "1")),
                "translator_options": dict(getattr(self.translator, "options", {}) or {})}

    def __getitem__(self, index: int) -> dict[str, Any]:  # type: ignore[override]
        sample = dict(self.source[index])
        seed = sample_seed(self.seed, str(sample["sample_id"]))
        sample["image"] = self.translator(sample["image"], self.condition, seed=seed)
        sample["condition"] = self.condition
        return sample


def translated_split_spec(name: str, splits: dict[str, Any], translators: dict[str, Any]) -> SplitSpec:
    """The SplitSpec of a translated split, derived from its source's (same caps, crop, count)."""
    source_name, translator_name, condition = parse_translated_name(name, translators)
    if source_name not in splits:
        raise unknown_name("splits", source_name, splits)
    source: SplitSpec = splits[source_name].spec
    translator: TranslatorSpec = translators[translator_name].spec
    if translator.conditions and condition not in translator.conditions:
        raise UnknownNameError(f"split {name!r}: translator {translator_name} knows conditions "
                               f"{', '.join(translator.conditions)}, not {condition!r}")

    def factory(data_root: str | None = None, seed: int = 0, **options: Any) -> TranslatedSplit:
        built = as_translator(translator.factory(seed=seed), name=translator_name, conditions=translator.conditions,
                              seed=seed)
        return TranslatedSplit(source.factory(data_root=data_root, **options), built, condition, seed=seed)

    # scored against its source (mRR: what the translation costs the model), not in the source's own group
    adverse = AdverseCondition(group=f"{source_name}@{translator_name}", clean_split=source_name, condition=condition)
    return replace(source, name=name, factory=factory, condition=condition, adverse=adverse,
                   description=f"{source_name} translated by {translator_name} to {condition}", check=source.check)
