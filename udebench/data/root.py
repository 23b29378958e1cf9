"""Where real datasets live: ``--data-root`` / ``UDEBENCH_DATA_ROOT``, one sub-folder per dataset."""

from __future__ import annotations

import os
from pathlib import Path

from udebench.errors import DataNotFoundError

ENV = "UDEBENCH_DATA_ROOT"


def resolve_data_root(data_root: str | os.PathLike | None) -> Path | None:
    """The explicit root, else the environment's, else None (only generated data then)."""
    root = data_root or os.environ.get(ENV)
    return Path(root).expanduser() if root else None


def dataset_dir(data_root: str | os.PathLike | None, folder: str, *, split: str, how_to_get: str = "") -> Path:
    """``<root>/<folder>``, or a one-line DataNotFoundError that says where the data goes."""
    root = resolve_data_root(data_root)
    advice = f" {how_to_get}" if how_to_get else ""
    if root is None:
        raise DataNotFoundError(f"split {split}: no data root; pass --data-root DIR or set {ENV}, with the data in "
                                f"DIR/{folder}/.{advice}")
    path = root / folder
    if not path.is_dir():
        raise DataNotFoundError(f"split {split}: {path} does not exist; put the dataset there.{advice}")
    return path
