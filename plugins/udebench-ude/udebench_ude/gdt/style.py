"""The image-prompt half of GDT: IP-Adapter style images of the target condition, drawn by seed.

A style source is a folder of images (real night/rain/... photos) or ``split:<name>``: the first
images of a registered split, e.g. ``split:synth-train-night`` (the synth default: renders of the
TRAINING scenes under the target condition). A split used for style must be a training split,
so a translated training set never carries the look of test images.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
#: a fixed second word of the style draw's seed, so it never coincides with the diffusion noise's stream
STYLE_STREAM = 0x5717E


def style_index(seed: int, n: int) -> int:
    """Which of ``n`` style images a translation with ``seed`` uses: a function of (seed, n) only."""
    import numpy as np

    return int(np.random.default_rng([int(seed) & 0xFFFFFFFF, STYLE_STREAM]).integers(n))


class StylePool:
    """The style images of one condition, read when first drawn."""

    def __init__(self, source: str, condition: str, pool_size: int) -> None:
        self.source = source.format(condition=condition)
        self._images: dict[int, Any] = {}
        if self.source.startswith("split:"):
            name = self.source[len("split:"):]
            if "train" not in name:
                raise ValueError(f"style_images={self.source}: style images must come from a training split "
                                 f"(e.g. split:synth-train-{condition}), never from test scenes")
            from udebench.plugin import get_split

            self._split = get_split(name)
            self._files: list[Path] = []
            self.size = min(int(pool_size), len(self._split))
        else:
            folder = Path(self.source).expanduser()
            self._split = None
            self._files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) \
                if folder.is_dir() else []
            self.size = len(self._files)
        if self.size == 0:
            raise ValueError(f"style_images={self.source}: no style images there (a folder of "
                             f"{'/'.join(IMAGE_SUFFIXES)} files, or split:<training split>)")

    def pick(self, seed: int) -> Any:
        """The ``uint8 HxWx3`` style image of a translation with ``seed``."""
        index = style_index(seed, self.size)
        if index not in self._images:
            if self._split is not None:
                self._images[index] = self._split[index]["image"]
            else:
                from udebench.plugin import read_rgb

                self._images[index] = read_rgb(str(self._files[index]))
        return self._images[index]
