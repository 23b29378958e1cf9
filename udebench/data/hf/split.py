"""A Hugging Face dataset (``save_to_disk`` folder or the local cache, always offline) read as a split."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from udebench.data.hf.config import HFSplitConfig
from udebench.errors import CorruptSampleError, DataNotFoundError, UdebenchError

#: key in ``DatasetInfo.description`` (JSON) under which ``udebench data export`` records the source split.
METADATA_KEY = "udebench"


def _offline() -> None:
    """No downloads: only what is on disk or in the local HF cache (set HF_HUB_OFFLINE=0 to allow them)."""
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def open_dataset(path: str, split: str | None = None, *, name: str = "?") -> Any:
    """A ``datasets.Dataset`` from a ``save_to_disk`` folder, another local folder, or a cached hub repo."""
    _offline()
    import datasets

    where = Path(path).expanduser()
    try:
        if where.is_dir() and ((where / "state.json").is_file() or (where / "dataset_dict.json").is_file()):
            loaded = datasets.load_from_disk(str(where))
        else:
            loaded = datasets.load_dataset(str(where) if where.is_dir() else path, split=split)
    except Exception as exc:
        kind = "folder" if where.is_dir() else "dataset (not a folder; looked in the local Hugging Face cache, offline)"
        raise DataNotFoundError(f"HF split {name}: cannot open {kind} {path}: {str(exc).splitlines()[0]}") from exc
    if isinstance(loaded, datasets.DatasetDict):
        if split is None:
            if len(loaded) != 1:
                raise UdebenchError(f"HF split {name}: {path} has splits {', '.join(loaded)}; register it with --split")
            split = next(iter(loaded))
        if split not in loaded:
            raise UdebenchError(f"HF split {name}: {path} has no split {split!r} (it has {', '.join(loaded)})")
        loaded = loaded[split]
    return loaded


def exported_metadata(dataset: Any) -> dict[str, Any]:
    """What ``udebench data export`` wrote about the source split ({} for other datasets)."""
    try:
        return dict(json.loads(dataset.info.description or "{}").get(METADATA_KEY) or {})
    except (ValueError, AttributeError):
        return {}


def check_columns(config: HFSplitConfig, dataset: Any) -> None:
    columns = set(dataset.column_names)
    for option, column in (("--image-column", config.image_column), ("--depth-column", config.depth_column),
                           ("--intrinsics-column", config.intrinsics_column), ("--id-column", config.id_column)):
        if column is not None and column not in columns:
            raise UdebenchError(f"HF split {config.name}: {option} {column!r} is not a column of {config.path} "
                                f"(columns: {', '.join(sorted(columns))})")


def _as_rgb(value: Any, where: str) -> np.ndarray:
    image = np.asarray(value.convert("RGB") if hasattr(value, "convert") else value)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise CorruptSampleError(f"{where}: image of shape {image.shape} is not HxWx3")
    image = image[..., :3]
    if image.dtype != np.uint8:
        if np.issubdtype(image.dtype, np.floating) and image.size and float(np.nanmax(image)) <= 1.0:
            image = image * 255.0
        image = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(image)


def _as_depth(value: Any, scale: float, where: str) -> np.ndarray:
    depth = np.asarray(value, dtype=np.float32)
    if depth.ndim == 3 and depth.shape[-1] == 1:
        depth = depth[..., 0]
    if depth.ndim != 2:
        raise CorruptSampleError(f"{where}: depth of shape {depth.shape} is not HxW")
    depth = depth * np.float32(scale)
    depth[~np.isfinite(depth)] = 0
    return depth


def _as_intrinsics(value: Any, where: str) -> np.ndarray:
    k = np.asarray(value, dtype=np.float64)
    if k.size == 9:
        return k.reshape(3, 3)
    if k.size == 4:
        fx, fy, cx, cy = k.ravel()
        return np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]], dtype=np.float64)
    raise CorruptSampleError(f"{where}: intrinsics with {k.size} values; expected a 3x3 matrix or fx, fy, cx, cy")


class HFSplit(Sequence):
    """Rows of a HF dataset as udebench samples (image uint8 RGB, depth float32 metres, intrinsics 3x3)."""

    def __init__(self, config: HFSplitConfig, dataset: Any | None = None) -> None:
        self.cfg = config
        self.dataset = dataset if dataset is not None else open_dataset(config.path, config.split, name=config.name)
        check_columns(config, self.dataset)
        columns = set(self.dataset.column_names)
        self.id_column = config.id_column or ("sample_id" if "sample_id" in columns else None)
        self.condition_column = "condition" if "condition" in columns else None
        self.name = config.split_name
        self._rows = self.dataset.with_format("numpy", columns=self._numpy_columns(), output_all_columns=True)

    def _numpy_columns(self) -> list[str]:
        """Depth as numpy (fast for nested lists); intrinsics stay python (numpy format would make them float32)."""
        return [self.cfg.depth_column]

    def __len__(self) -> int:
        return len(self.dataset)

    @property
    def sample_ids(self) -> list[str]:
        if self.id_column is None:
            return [f"{self.cfg.name}-{i:06d}" for i in range(len(self))]
        return [str(v) for v in self.dataset.select_columns([self.id_column])[self.id_column]]

    @property
    def config(self) -> dict[str, Any]:
        cfg = self.cfg
        return {"path": str(cfg.path), "split": cfg.split, "fingerprint": getattr(self.dataset, "_fingerprint", None),
                "columns": [cfg.image_column, cfg.depth_column, cfg.intrinsics_column], "depth_scale": cfg.depth_scale,
                "intrinsics": [cfg.fx, cfg.fy, cfg.cx, cfg.cy] if cfg.fx is not None else None}

    def _intrinsics(self, row: dict[str, Any], height: int, width: int, where: str) -> np.ndarray:
        cfg = self.cfg
        if cfg.intrinsics_column is not None:
            return _as_intrinsics(row[cfg.intrinsics_column], where)
        if cfg.fx is not None:
            return np.array([[cfg.fx, 0, cfg.cx], [0, cfg.fy, cfg.cy], [0, 0, 1]], dtype=np.float64)
        focal = float(width)  # nominal camera (about 53° horizontal field of view): the config gave none
        return np.array([[focal, 0, width / 2.0], [0, focal, height / 2.0], [0, 0, 1]], dtype=np.float64)

    def __getitem__(self, index: int) -> dict[str, Any]:  # type: ignore[override]
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {self.name} ({len(self)} samples)")
        index %= len(self)
        where = f"{self.cfg.path} row {index}"
        try:
            row = self._rows[index]
        except Exception as exc:
            raise CorruptSampleError(f"{where}: cannot decode ({exc})") from exc
        image = _as_rgb(row[self.cfg.image_column], where)
        depth = _as_depth(row[self.cfg.depth_column], self.cfg.depth_scale, where)
        sample_id = str(row[self.id_column]) if self.id_column else f"{self.cfg.name}-{index:06d}"
        condition = str(row[self.condition_column]) if self.condition_column else self.cfg.condition
        return {"sample_id": sample_id, "image": image, "depth": depth,
                "intrinsics": self._intrinsics(row, image.shape[0], image.shape[1], where), "condition": condition}
