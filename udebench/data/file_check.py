"""``udebench data check`` for file-based real splits: which sample files are there, against the manifest."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from udebench.data.manifest import compare_with_manifest, load_manifest
from udebench.errors import DataNotFoundError
from udebench.specs import DataCheck


def missing_root_check(split: str, exc: DataNotFoundError, expected: int | None, folder: Path | str) -> DataCheck:
    """The report for a data root or dataset folder that is not there."""
    return DataCheck(split=split, ok=False, where=str(folder), found=0, expected=expected,
                     missing=[f"folder {folder}"], advice=str(exc))


def dataset_dir_or_report(split: str, data_root: str | None, folder: str, *, how_to_get: str,
                          expected: int | None = None) -> tuple[Path | None, DataCheck | None]:
    """``(root, None)`` when ``<data root>/<folder>`` exists, else ``(None, report)`` saying where it goes."""
    from udebench.data.root import dataset_dir, resolve_data_root

    try:
        return dataset_dir(data_root, folder, split=split, how_to_get=how_to_get), None
    except DataNotFoundError as exc:
        base = resolve_data_root(data_root)
        return None, missing_root_check(split, exc, expected, f"{base or '$UDEBENCH_DATA_ROOT'}/{folder}")


def files_check(split: str, samples: Iterable[tuple[str, Sequence[Path]]], *, root: Path, advice: str = "",
                manifest: dict[str, Any] | None = None, show: int = 5) -> DataCheck:
    """Samples whose files all exist count as found; each missing file is named with where it goes.

    A manifest with ``sample_ids`` is compared id by id; a count-only manifest (``count``, no ids)
    by the number found.
    """
    manifest = manifest if manifest is not None else load_manifest(split)
    found: list[str] = []
    missing_files: list[str] = []
    n_missing = 0
    for sample_id, paths in samples:
        absent = [p for p in paths if not p.is_file()]
        if not absent:
            found.append(sample_id)
            continue
        for path in absent:
            n_missing += 1
            if len(missing_files) < show:
                missing_files.append(f"sample {sample_id}: {path.name} (goes in {path.parent})")
    if n_missing > show:
        missing_files.append(f"... and {n_missing - show} more files")
    where = str(root)
    if manifest is not None and manifest.get("sample_ids"):
        report = compare_with_manifest(split, found, where=where, advice=advice, manifest=manifest, show=show)
        report.missing = missing_files + [m for m in report.missing if m not in missing_files]
        report.ok = report.ok and not n_missing
        return report
    expected = manifest.get("count") if manifest is not None else None
    ok = bool(found) and not n_missing and (expected is None or len(found) == expected)
    missing = list(missing_files)
    if expected is not None and len(found) != expected and not n_missing:
        missing.append(f"{len(found)} samples found, {expected} expected ({manifest.get('source', 'manifest')})")
    return DataCheck(split=split, ok=ok, where=where, found=len(found), expected=expected, missing=missing,
                     advice="" if ok else advice)
