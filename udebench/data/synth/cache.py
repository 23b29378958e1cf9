"""Disk cache for rendered synth frames: PNG images and float32 .npy depths, written atomically.

Layout: ``<root>/synth/v<RENDERER_VERSION>-<source fingerprint>/<kind>/<H>x<W>/<condition>/<name>.png`` and
``.../<H>x<W>/depth/<name>.npy`` (depth is the same under every condition). The root is
:func:`udebench.cache_dir.cache_base`; set ``UDEBENCH_SYNTH_CACHE=0`` to render every time. Files
appear atomically (:func:`udebench.cache_dir.atomic_write`), so parallel DataLoader workers never
read half a file.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import numpy as np

from udebench.cache_dir import atomic_write, cache_base
from udebench.data.synth.render import RENDERER_VERSION


def cache_enabled() -> bool:
    """False when ``UDEBENCH_SYNTH_CACHE`` is 0/false/no/off."""
    return os.environ.get("UDEBENCH_SYNTH_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


@functools.cache
def renderer_fingerprint() -> str:
    """A hash of the synth package's source: any change to the renderer gets a fresh cache folder.

    RENDERER_VERSION alone relied on people remembering to bump it; frames from an edited
    renderer once silently mixed with older ones in a training set.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def cache_root(cache_dir: str | os.PathLike | None = None) -> Path:
    """Directory holding this renderer's frames (version and source fingerprint)."""
    return cache_base(cache_dir) / "synth" / f"v{RENDERER_VERSION}-{renderer_fingerprint()}"


class FrameCache:
    """Images and depths of one kind ("test", "train") at one size."""

    def __init__(self, cache_dir: str | os.PathLike | None, kind: str, height: int, width: int) -> None:
        self.folder = cache_root(cache_dir) / kind / f"{height}x{width}"

    def image_path(self, condition: str, name: str) -> Path:
        return self.folder / condition / f"{name}.png"

    def depth_path(self, name: str) -> Path:
        return self.folder / "depth" / f"{name}.npy"

    def load_image(self, condition: str, name: str) -> np.ndarray | None:
        """The cached image, or None if it is missing or unreadable."""
        from PIL import Image

        path = self.image_path(condition, name)
        try:
            with Image.open(path) as im:
                return np.asarray(im.convert("RGB")).copy()
        except (OSError, ValueError):
            return None

    def load_depth(self, name: str) -> np.ndarray | None:
        """The cached depth, or None if it is missing or unreadable."""
        try:
            depth = np.load(self.depth_path(name), allow_pickle=False)
        except (OSError, ValueError):
            return None
        return depth if depth.dtype == np.float32 and depth.ndim == 2 else None

    def save_image(self, condition: str, name: str, image: np.ndarray) -> None:
        from PIL import Image

        def write(fh) -> None:
            Image.fromarray(image).save(fh, format="PNG", compress_level=1)

        atomic_write(self.image_path(condition, name), write)

    def save_depth(self, name: str, depth: np.ndarray) -> None:
        atomic_write(self.depth_path(name), lambda fh: np.save(fh, depth.astype(np.float32), allow_pickle=False))

