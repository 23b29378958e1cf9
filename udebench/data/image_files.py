"""Reading the image files of real datasets with mmcv's image IO; an unreadable file names itself."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from udebench.errors import CorruptSampleError, DataNotFoundError


def _read_bytes(path: str | os.PathLike, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CorruptSampleError(f"{what} {path} could not be read: {exc.strerror or exc}") from exc


def read_rgb(path: str | os.PathLike) -> np.ndarray:
    """An 8-bit colour image as ``uint8 HxWx3`` RGB (``mmcv.imfrombytes``); a missing file is DataNotFoundError."""
    import mmcv

    if not Path(path).is_file():
        raise DataNotFoundError(f"image {path} does not exist; `udebench data check` lists what is missing")
    content = _read_bytes(path, "image")
    try:
        image = mmcv.imfrombytes(content, flag="color", channel_order="rgb")
    except Exception as exc:  # cv2 raises on undecodable bytes when converting to RGB
        raise CorruptSampleError(f"image {path} is not a readable image file (corrupt or truncated?)") from exc
    if image is None or image.ndim != 3:
        raise CorruptSampleError(f"image {path} is not a readable image file (corrupt or truncated?)")
    return np.ascontiguousarray(image)


def read_unchanged(path: str | os.PathLike, what: str = "image") -> np.ndarray:
    """An image as stored (e.g. a single-channel Bayer mosaic or a 16-bit PNG), without conversion."""
    import mmcv

    content = _read_bytes(path, what)
    try:
        image = mmcv.imfrombytes(content, flag="unchanged")
    except Exception as exc:
        raise CorruptSampleError(f"{what} {path} is not a readable image file (corrupt or truncated?)") from exc
    if image is None:
        raise CorruptSampleError(f"{what} {path} is not a readable image file (corrupt or truncated?)")
    return image


def read_uint16_png(path: str | os.PathLike, what: str = "16-bit PNG") -> np.ndarray:
    """A single-channel 16-bit PNG (KITTI-style depth/disparity encodings) as ``uint16 HxW``."""
    image = read_unchanged(path, what)
    if image.ndim != 2 or image.dtype != np.uint16:
        raise CorruptSampleError(f"{what} {path} must be a single-channel 16-bit PNG, got {image.dtype} "
                                 f"with shape {image.shape}")
    return image
