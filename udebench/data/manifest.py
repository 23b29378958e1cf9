"""Split manifests: the sample ids and count a complete copy of a split has, shipped with udebench."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from udebench.specs import DataCheck


def load_manifest(split: str) -> dict[str, Any] | None:
    """``udebench/data/manifests/<split>.json`` ({"split", "count", "sample_ids", "source"}), if shipped."""
    path = resources.files("udebench.data") / "manifests" / f"{split}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text())


def compare_with_manifest(split: str, found_ids: list[str], *, where: str, advice: str = "",
                          manifest: dict[str, Any] | None = None, show: int = 5) -> DataCheck:
    """A DataCheck of the ids found against the manifest's (extra ids are fine: a newer copy)."""
    manifest = manifest if manifest is not None else load_manifest(split)
    if manifest is None:
        return DataCheck(split=split, ok=bool(found_ids), where=where, found=len(found_ids), advice=advice)
    expected = manifest["sample_ids"]
    found = set(found_ids)
    missing = [sample_id for sample_id in expected if sample_id not in found]
    listed = [f"sample {sample_id}" for sample_id in missing[:show]]
    if len(missing) > show:
        listed.append(f"... and {len(missing) - show} more")
    return DataCheck(split=split, ok=not missing, where=where, found=len(expected) - len(missing),
                     expected=len(expected), missing=listed, advice=advice)
