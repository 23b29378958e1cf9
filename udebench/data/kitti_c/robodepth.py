"""RoboDepth's released KITTI-C folders (``kitti_c.zip``, 640×192 PNGs).

As released and as RoboDepth's evaluation reads it::

    <root>/kitti_c/<corruption>/<severity>/kitti_data/<date>/<drive>/image_02/data/<frame>.png

(the same without the ``kitti_data`` level is accepted too). Corruption folder names are RoboDepth's:
``brightness``, ``dark``, ..., ``elastic_transform``, ``jpeg_compression``.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = "kitti_c"
INNER = "kitti_data"
#: RoboDepth renders KITTI-C at Monodepth2's input size (height, width).
RELEASED_SIZE = (192, 640)


def severity_dir(kitti_c_dir: Path, corruption: str, severity: int) -> Path:
    return Path(kitti_c_dir) / corruption / str(int(severity))


def released_image_path(kitti_c_dir: Path, corruption: str, severity: int, sample_id: str) -> Path:
    """Where RoboDepth's image of ``sample_id`` (``<drive>/<frame>``) lies; the canonical path when absent."""
    drive, _, frame = sample_id.partition("/")
    tail = Path(drive[:10]) / drive / "image_02" / "data" / f"{frame}.png"
    base = severity_dir(kitti_c_dir, corruption, severity)
    canonical = base / INNER / tail
    if canonical.is_file():
        return canonical
    flat = base / tail
    return flat if flat.is_file() else canonical


def has_released(kitti_c_dir: Path | None, corruption: str, severity: int) -> bool:
    """Is the folder of this corruption and severity there?"""
    return kitti_c_dir is not None and severity_dir(kitti_c_dir, corruption, severity).is_dir()
