"""Any split → a Hugging Face dataset on disk (``save_to_disk``), so a split can be shared and registered back.

Features: ``sample_id`` and ``condition`` (string), ``image`` (``Image``: PNG, lossless), ``depth``
(float32 H×W as a list of rows, so sizes may differ between samples), ``intrinsics`` (3x3 float64).
``DatasetInfo.description`` records the source split (JSON under "udebench"), which
``udebench data register-hf`` uses for defaults (depth caps, crop, condition).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from udebench.data.hf.split import METADATA_KEY
from udebench.errors import UdebenchError


def _features():
    from datasets import Array2D, Features, Image, Sequence, Value

    return Features({"sample_id": Value("string"), "condition": Value("string"), "image": Image(),
                     "depth": Sequence(Sequence(Value("float32"))), "intrinsics": Array2D((3, 3), "float64")})


def export_split(split: str, out_dir: str | Path, *, limit: int | None = None, data_root: str | None = None,
                 overwrite: bool = False, split_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write the first ``limit`` samples (all when None) of ``split`` to ``out_dir``; returns a summary."""
    import datasets

    from udebench.api import get_split
    from udebench.plugins import split_spec

    out = Path(out_dir).expanduser()
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise UdebenchError(f"{out} exists and is not empty; choose another folder or pass --overwrite")
    if limit is not None and limit < 1:
        raise UdebenchError(f"--limit must be ≥ 1, got {limit}")
    spec = split_spec(split)
    samples = get_split(split, data_root=data_root, **(split_options or {}))
    n = len(samples) if limit is None else min(limit, len(samples))

    def rows():
        for i in range(n):
            sample = samples[i]
            yield {"sample_id": str(sample["sample_id"]), "condition": str(sample.get("condition", spec.condition)),
                   "image": np.asarray(sample["image"], dtype=np.uint8),
                   "depth": np.asarray(sample["depth"], dtype=np.float32),
                   "intrinsics": np.asarray(sample["intrinsics"], dtype=np.float64)}

    metadata = {METADATA_KEY: {"split": split, "condition": spec.condition, "min_depth": spec.min_depth,
                               "max_depth": spec.max_depth, "eval_crop": spec.eval_crop,
                               "config": getattr(samples, "config", {}), "count": n}}
    scratch = tempfile.mkdtemp(prefix="udebench-export-")
    progress = datasets.utils.logging.is_progress_bar_enabled()
    datasets.utils.logging.disable_progress_bar()
    try:
        dataset = datasets.Dataset.from_generator(rows, features=_features(), cache_dir=scratch)
        dataset.info.description = json.dumps(metadata, default=str)
        if out.exists() and overwrite:
            shutil.rmtree(out)
        dataset.save_to_disk(str(out))
    finally:
        if progress:
            datasets.utils.logging.enable_progress_bar()
        shutil.rmtree(scratch, ignore_errors=True)
    return {"split": split, "path": str(out), "count": n}
