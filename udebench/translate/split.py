"""Translated splits: ``<source>@<translator>-<condition>``, e.g. ``synth-day@physics-night``.

The translator sees only what it would see on real data: the RGB image (and, for
translators that take one, a depth map predicted by a model — never the ground truth).
Ground truth, intrinsics and sample ids come unchanged from the source split.

Images come from the set ``udebench translate`` stored last for this split (same source config
and seed; :mod:`udebench.translate.cache`); a cheap translator makes the ones not stored on the
fly, a slow one (``TranslatorSpec.cheap=False``, e.g. ``gdt``) needs them stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from udebench.errors import UdebenchError, UnknownNameError, unknown_name
from udebench.specs import AdverseCondition, SplitSpec, TranslatorSpec
from udebench.translate.cache import TranslationIdentity, TranslationSet, find_sets, identity_of
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
    """``source[i]`` with its image translated: read from a stored set when there is one, else translated now.

    Translations are seeded by the sample id, so every run sees the same images; ground truth,
    intrinsics and sample ids are the source's. ``translator`` None: images come only from ``stored``
    (a translator too slow to run on the fly), and a sample not stored is a one-line error.
    """

    def __init__(self, source: Sequence[dict[str, Any]], translator: Any, condition: str, *, seed: int = 0,
                 name: str = "", translator_name: str = "", stored: TranslationSet | None = None,
                 make_hint: str = "") -> None:
        if translator is None and stored is None:
            raise ValueError("TranslatedSplit needs a translator or a stored translation set")
        self.source = source
        self.translator = translator
        self.condition = condition
        self.seed = seed
        self.name = name
        self.translator_name = translator_name or str(getattr(translator, "name", ""))
        self.stored = stored
        self.make_hint = make_hint

    def __len__(self) -> int:
        return len(self.source)

    @property
    def sample_ids(self) -> list[str] | None:
        return getattr(self.source, "sample_ids", None)

    @property
    def identity(self) -> TranslationIdentity:
        """What fixes the translated images (the stored set's identity when reading one)."""
        if self.stored is not None:
            return self.stored.identity
        source, _, _ = self.name.partition("@")
        return identity_of(self.translator, self.translator_name, source, self.source, self.condition, self.seed)

    @property
    def config(self) -> dict[str, Any]:
        """The source's config and what fixes the translation: the same whether images are stored or made now."""
        identity = self.identity
        return {"source": identity.source_config, "condition": identity.condition, "seed": identity.seed,
                "translator": identity.translator, "translator_version": identity.version,
                "translator_options": dict(identity.options), "weights_sha256": identity.weights_sha256}

    def __getitem__(self, index: int) -> dict[str, Any]:  # type: ignore[override]
        sample = dict(self.source[index])
        sample_id = str(sample["sample_id"])
        image = self.stored.read(sample_id) if self.stored is not None else None
        if image is None:
            if self.translator is None:
                manifest = self.stored.manifest() if self.stored is not None else None
                held = f"{manifest.count} of {len(self)}" if manifest else "none"
                raise UdebenchError(f"split {self.name}: sample {sample_id} is not translated yet ({held} are "
                                    f"stored); {self.make_hint} translates the rest")
            image = self.translator(sample["image"], self.condition, seed=sample_seed(self.seed, sample_id))
        sample["image"] = image
        sample["condition"] = self.condition
        return sample


def make_command(source: str, translator: str, condition: str, *, seed: int = 0,
                 split_options: dict[str, Any] | None = None, options: dict[str, Any] | None = None) -> str:
    """The ``udebench translate`` command that stores ``source@translator-condition``."""
    import json

    parts = [f"udebench translate --split {source} --translator {translator} --condition {condition}"]
    if seed:
        parts.append(f"--seed {seed}")
    parts += [f"--split-option {key}={json.dumps(value)}" for key, value in sorted((split_options or {}).items())]
    parts += [f"--option {key}={json.dumps(value)}" for key, value in sorted((options or {}).items())]
    return "`" + " ".join(parts) + "`"


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
        samples = source.factory(data_root=data_root, **options)
        found = find_sets(source_name, translator_name, condition, seed=seed,
                          source_config=dict(getattr(samples, "config", {}) or {}))
        hint = make_command(source_name, translator_name, condition, seed=seed, split_options=options)
        if not translator.cheap:
            if not found:
                raise UdebenchError(f"split {name} is not stored yet and translator {translator_name} is too slow "
                                    f"to run on the fly: {hint} (add --weights DIR, --option k=v as needed) "
                                    "makes it")
            return TranslatedSplit(samples, None, condition, seed=seed, name=name, translator_name=translator_name,
                                   stored=TranslationSet(found[0].identity), make_hint=hint)
        built, stored = _on_the_fly(translator, translator_name, seed, found, source_name, samples, condition)
        return TranslatedSplit(samples, built, condition, seed=seed, name=name, translator_name=translator_name,
                               stored=stored, make_hint=hint)

    # scored against its source (mRR: what the translation costs the model), not in the source's own group
    adverse = AdverseCondition(group=f"{source_name}@{translator_name}", clean_split=source_name, condition=condition)
    return replace(source, name=name, factory=factory, condition=condition, adverse=adverse,
                   description=f"{source_name} translated by {translator_name} to {condition}", check=source.check)


def _on_the_fly(spec: TranslatorSpec, name: str, seed: int, found: list[Any], source: str, samples: Any,
                condition: str) -> tuple[Any, TranslationSet | None]:
    """A cheap translator for what is not stored: the latest stored set's own when it can be rebuilt exactly
    (same version and options), else the defaults (and no stored set: it was made another way)."""
    options = dict(found[0].identity.options) if found else {}
    try:
        built = as_translator(spec.factory(seed=seed, **options), name=name, conditions=spec.conditions, seed=seed)
    except (TypeError, ValueError):  # options this version no longer takes
        built = None
    if found and built is not None and identity_of(built, name, source, samples, condition, seed) == found[0].identity:
        return built, TranslationSet(found[0].identity)
    if built is None or options:
        built = as_translator(spec.factory(seed=seed), name=name, conditions=spec.conditions, seed=seed)
    return built, None
