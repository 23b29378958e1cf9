"""Translated images on disk: content-addressed, a provenance record per image, resumable.

Layout under ``<cache>/translations/`` (``<cache>`` from :func:`udebench.cache_dir.cache_base`)::

    <set key>/manifest.json            the set: split name, source, translator, version, options, weights
                                       sha256, seed, and how many images it holds (the small index
                                       ``udebench list splits`` reads instead of every image)
    <set key>/<aa>/<sample key>.png    one translated image (``aa``: the sample key's first two hex digits)
    <set key>/<aa>/<sample key>.json   its provenance, written after the image: it marks the image done

The set key hashes a :class:`TranslationIdentity` (source split name and config, translator name,
version, resolved options, weights fingerprint, seed, condition); the sample key hashes (set key,
sample id). Change any of them and the images land somewhere else, so a cache never serves an image
made another way. Importing this module is cheap (no numpy, no torch): ``udebench list`` uses it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from udebench.cache_dir import atomic_write, cache_base

TRANSLATIONS = "translations"
MANIFEST = "manifest.json"
IMAGE_SUFFIX = ".png"
RECORD_SUFFIX = ".json"


def canonical(value: Any) -> Any:
    """``value`` as JSON gives it back (tuples → lists, paths → str, sorted keys): equal values hash equal."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def now() -> str:
    """UTC time, ISO 8601 with microseconds (sortable as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class TranslationIdentity:
    """Everything that fixes the translated images of a set; its hash is the set's folder name."""

    source: str
    source_config: Mapping[str, Any]
    translator: str
    version: str
    condition: str
    options: Mapping[str, Any]
    weights_sha256: str | None
    seed: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "source_config", canonical(dict(self.source_config)))
        object.__setattr__(self, "options", canonical(dict(self.options)))
        object.__setattr__(self, "version", str(self.version))
        object.__setattr__(self, "seed", int(self.seed))

    @property
    def split_name(self) -> str:
        return f"{self.source}@{self.translator}-{self.condition}"

    @property
    def key(self) -> str:
        return _sha256(json.dumps(asdict(self), sort_keys=True))[:24]

    def sample_key(self, sample_id: str) -> str:
        return _sha256(f"{self.key}\0{sample_id}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TranslationIdentity:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def identity_of(translator: Any, name: str, source: str, source_split: Any, condition: str,
                seed: int) -> TranslationIdentity:
    """The identity of the images ``translator`` (registered as ``name``) makes of ``source_split`` (registered as
    ``source``)."""
    return TranslationIdentity(
        source=source, source_config=dict(getattr(source_split, "config", {}) or {}),
        translator=name, version=str(getattr(translator, "version", "1")), condition=condition,
        options=dict(getattr(translator, "options", {}) or {}),
        weights_sha256=getattr(translator, "weights_sha256", None), seed=seed)


@dataclass(frozen=True)
class Manifest:
    """What ``manifest.json`` holds: the set's identity and how many images it has."""

    identity: TranslationIdentity
    count: int
    source_count: int | None
    created: str
    last_run: str
    udebench_version: str
    folder: Path = field(compare=False)

    @property
    def key(self) -> str:
        return self.identity.key

    def to_json(self) -> str:
        data = {"split": self.identity.split_name, "key": self.key, **asdict(self.identity), "count": self.count,
                "source_count": self.source_count, "created": self.created, "last_run": self.last_run,
                "udebench_version": self.udebench_version}
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def read(cls, path: Path) -> Manifest | None:
        """The manifest at ``path``; None when it is missing, unreadable or not one of ours."""
        try:
            data = json.loads(path.read_text())
            identity = TranslationIdentity.from_dict(data)
            return cls(identity=identity, count=int(data["count"]), source_count=data.get("source_count"),
                       created=str(data["created"]), last_run=str(data["last_run"]),
                       udebench_version=str(data.get("udebench_version", "?")), folder=path.parent)
        except (OSError, ValueError, KeyError, TypeError):
            return None


def translations_root(cache_dir: str | os.PathLike | None = None) -> Path:
    return cache_base(cache_dir) / TRANSLATIONS


class TranslationSet:
    """The stored images of one :class:`TranslationIdentity`: read, write, count, describe."""

    def __init__(self, identity: TranslationIdentity, cache_dir: str | os.PathLike | None = None) -> None:
        self.identity = identity
        self.folder = translations_root(cache_dir) / identity.key

    def _path(self, sample_id: str, suffix: str) -> Path:
        key = self.identity.sample_key(str(sample_id))
        return self.folder / key[:2] / f"{key}{suffix}"

    def image_path(self, sample_id: str) -> Path:
        return self._path(sample_id, IMAGE_SUFFIX)

    def record_path(self, sample_id: str) -> Path:
        return self._path(sample_id, RECORD_SUFFIX)

    def is_done(self, sample_id: str) -> bool:
        return self.record_path(sample_id).is_file()

    def read(self, sample_id: str) -> Any:
        """The stored ``uint8 HxWx3`` image of ``sample_id``, or None when it was not translated (or is unreadable)."""
        if not self.is_done(sample_id):
            return None
        import numpy as np
        from PIL import Image

        try:
            with Image.open(self.image_path(sample_id)) as im:
                return np.asarray(im.convert("RGB")).copy()
        except (OSError, ValueError):
            return None

    def provenance(self, sample_id: str) -> dict[str, Any] | None:
        """The provenance record of ``sample_id``'s image, or None."""
        try:
            return json.loads(self.record_path(sample_id).read_text())
        except (OSError, ValueError):
            return None

    def write(self, sample_id: str, image: Any, *, sample_seed: int) -> None:
        """Store one translated image, then its provenance record (each atomically: a kill loses nothing done)."""
        from PIL import Image

        from udebench import __version__

        atomic_write(self.image_path(sample_id),
                     lambda fh: Image.fromarray(image).save(fh, format="PNG", compress_level=1))
        record = {"sample_id": str(sample_id), "split": self.identity.split_name, "set_key": self.identity.key,
                  **asdict(self.identity), "sample_seed": int(sample_seed), "udebench_version": __version__,
                  "created": now(), "image": self.image_path(sample_id).name}
        atomic_write(self.record_path(sample_id),
                     lambda fh: fh.write(json.dumps(record, indent=1, sort_keys=True).encode()))

    def count_done(self) -> int:
        """Images with a provenance record, counted on disk (once per run; the manifest keeps the count)."""
        if not self.folder.is_dir():
            return 0
        return sum(1 for sub in self.folder.iterdir() if sub.is_dir()
                   for entry in os.scandir(sub) if entry.name.endswith(RECORD_SUFFIX))

    def manifest(self) -> Manifest | None:
        return Manifest.read(self.folder / MANIFEST)

    def save_manifest(self, *, count: int, source_count: int | None, new_run: bool = False) -> Manifest:
        """Write the manifest with ``count``; ``new_run`` marks this set as the latest one made (see ``find``)."""
        from udebench import __version__

        old = self.manifest()
        stamp = now()
        manifest = Manifest(identity=self.identity, count=int(count), source_count=source_count,
                            created=old.created if old else stamp,
                            last_run=stamp if new_run or old is None else old.last_run,
                            udebench_version=__version__, folder=self.folder)
        atomic_write(self.folder / MANIFEST, lambda fh: fh.write(manifest.to_json().encode()))
        return manifest


def stored_sets(cache_dir: str | os.PathLike | None = None) -> list[Manifest]:
    """Every readable manifest under the cache, newest run first."""
    root = translations_root(cache_dir)
    if not root.is_dir():
        return []
    manifests = (Manifest.read(folder / MANIFEST) for folder in root.iterdir() if folder.is_dir())
    return sorted((m for m in manifests if m is not None), key=lambda m: m.last_run, reverse=True)


def find_sets(source: str, translator: str, condition: str, *, source_config: Mapping[str, Any] | None = None,
              seed: int | None = None, options: Mapping[str, Any] | None = None,
              cache_dir: str | os.PathLike | None = None) -> list[Manifest]:
    """Stored sets of ``source@translator-condition`` that match what is given, the latest ``udebench translate``
    run first. ``options``: only sets whose resolved translator options hold these values."""
    wanted_config = canonical(dict(source_config)) if source_config is not None else None
    wanted_options = canonical(dict(options or {}))
    return [m for m in stored_sets(cache_dir) if _matches(m.identity, source, translator, condition, wanted_config,
                                                          seed, wanted_options)]


def _matches(identity: TranslationIdentity, source: str, translator: str, condition: str,
             config: dict[str, Any] | None, seed: int | None, options: dict[str, Any]) -> bool:
    return (identity.source == source and identity.translator == translator and identity.condition == condition
            and (config is None or identity.source_config == config) and (seed is None or identity.seed == int(seed))
            and all(key in identity.options and identity.options[key] == value for key, value in options.items()))

