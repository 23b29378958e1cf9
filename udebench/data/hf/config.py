"""HF split configs: one small JSON file per registered dataset, in ``$UDEBENCH_CONFIG_DIR/hf_splits/``.

Only this module is imported when splits are listed: it reads JSON and nothing else.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from udebench.errors import UdebenchError

CONFIG_ENV = "UDEBENCH_CONFIG_DIR"
SUBDIR = "hf_splits"
PREFIX = "hf-"
FORMAT = 1
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
EVAL_CROPS = ("garg",)


def config_dir() -> Path:
    """``$UDEBENCH_CONFIG_DIR/hf_splits``, by default ``~/.config/udebench/hf_splits``."""
    base = os.environ.get(CONFIG_ENV) or Path("~/.config/udebench").expanduser()
    return Path(base).expanduser() / SUBDIR


@dataclass
class HFSplitConfig:
    """How to read one HF dataset as a split; written by ``udebench data register-hf``."""

    name: str
    #: a folder written by ``save_to_disk`` (or any folder ``load_dataset`` reads), or a repo id in the local cache
    path: str
    image_column: str = "image"
    depth_column: str = "depth"
    #: metres per stored depth unit (e.g. 1/256 for KITTI-style uint16 PNGs, 0.001 for millimetres)
    depth_scale: float = 1.0
    #: HF split name, for a DatasetDict or a hub repo (None: the only split)
    split: str | None = None
    #: a column of 3x3 matrices, 9 values, or (fx, fy, cx, cy)
    intrinsics_column: str | None = None
    fx: float | None = None
    fy: float | None = None
    cx: float | None = None
    cy: float | None = None
    #: column of sample ids (None: "sample_id" when present, else "<name>-<index>")
    id_column: str | None = None
    #: the split's condition; a "condition" column, when present, labels each sample
    condition: str = "unknown"
    min_depth: float = 1e-3
    max_depth: float = 80.0
    eval_crop: str | None = None
    description: str = ""
    #: rows found when registered (the manifest of a user's own data)
    count: int | None = None
    format: int = FORMAT

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise UdebenchError(f"HF split name {self.name!r}: use lower-case letters, digits, '_', '.', '-'")
        if self.eval_crop is not None and self.eval_crop not in EVAL_CROPS:
            raise UdebenchError(f"eval crop {self.eval_crop!r}: choose one of {', '.join(EVAL_CROPS)} or none")
        fixed = [self.fx, self.fy, self.cx, self.cy]
        if any(v is not None for v in fixed) and not all(v is not None for v in fixed):
            raise UdebenchError(f"HF split {self.name!r}: give all of --fx --fy --cx --cy, or none")
        if self.intrinsics_column and any(v is not None for v in fixed):
            raise UdebenchError(f"HF split {self.name!r}: give --intrinsics-column or --fx/--fy/--cx/--cy, not both")
        if not self.min_depth < self.max_depth:
            raise UdebenchError(f"HF split {self.name!r}: min depth {self.min_depth} must be below "
                                f"max depth {self.max_depth}")

    @property
    def protocol(self):
        """udebench's default conventions with this dataset's caps and crop."""
        from udebench.evaluation.protocol_spec import Protocol

        return Protocol(reference="a user's Hugging Face dataset: udebench's default conventions (Monodepth2's)",
                        min_depth=self.min_depth, max_depth=self.max_depth, crop=self.eval_crop)

    @property
    def split_name(self) -> str:
        return PREFIX + self.name

    @property
    def file(self) -> Path:
        return config_dir() / f"{self.name}.json"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "config") -> HFSplitConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UdebenchError(f"{where}: unknown key(s) {', '.join(unknown)}")
        if data.get("format", FORMAT) > FORMAT:
            raise UdebenchError(f"{where}: written by a newer udebench (format {data['format']}); upgrade udebench")
        return cls(**data)


def read_config(path: Path) -> HFSplitConfig:
    """The config in ``path``; a one-line UdebenchError naming the file when it is broken."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise UdebenchError(f"HF split config {path}: cannot read it ({exc}); fix or delete the file") from exc
    if not isinstance(data, dict):
        raise UdebenchError(f"HF split config {path}: expected a JSON object")
    config = HFSplitConfig.from_dict(data, where=f"HF split config {path}")
    if config.name != Path(path).stem:
        raise UdebenchError(f"HF split config {path}: name {config.name!r} differs from the file name")
    return config


def config_files() -> list[Path]:
    directory = config_dir()
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def write_config(config: HFSplitConfig, *, force: bool = False) -> Path:
    """Write ``<config dir>/<name>.json``; an existing one is replaced only with ``force``."""
    path = config.file
    if path.exists() and not force:
        raise UdebenchError(f"HF split {config.split_name!r} already exists ({path}); pass --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(config.to_json() + "\n")
    tmp.replace(path)
    return path
