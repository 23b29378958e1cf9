"""Procedural textures the weather corruptions overlay: fractal (plasma-like) noise and frost crystals.

Both are generated from a seeded ``numpy.random.Generator`` at the image's own size; nothing is read
from disk, so frost needs no texture files.
"""

from __future__ import annotations

import math

import cv2
import numpy as np


def fractal_noise(height: int, width: int, rng: np.random.Generator, *, decay: float = 2.0,
                  octaves: int | None = None) -> np.ndarray:
    """float32 [H, W] in [0, 1]: octaves of smooth value noise, octave k weighted ``decay ** -k``.

    A larger ``decay`` gives smoother, larger blobs (ImageNet-C's "wibble decay" of its plasma fractal).
    """
    side = max(height, width)
    octaves = octaves or max(1, int(math.ceil(math.log2(side))) - 1)
    out = np.zeros((height, width), dtype=np.float32)
    for k in range(octaves):
        cells = 2 ** (k + 1)
        grid = rng.random((cells + 1, cells + 1)).astype(np.float32)
        layer = cv2.resize(grid, (side, side), interpolation=cv2.INTER_CUBIC)[:height, :width]
        out += layer * decay ** (-k)
    out -= out.min()
    return out / max(float(out.max()), 1e-6)


def _branch(canvas: np.ndarray, x: float, y: float, angle: float, length: float, depth: int,
            rng: np.random.Generator) -> None:
    """One ice dendrite: a straight stroke that forks into shorter side branches."""
    if depth < 0 or length < 2:
        return
    x2, y2 = x + length * math.cos(angle), y + length * math.sin(angle)
    brightness = 0.25 + 0.1 * depth
    cv2.line(canvas, (int(round(x)), int(round(y))), (int(round(x2)), int(round(y2))), brightness, 1, cv2.LINE_AA)
    for _ in range(int(rng.integers(1, 4))):
        t = rng.uniform(0.3, 1.0)
        side = rng.choice((-1.0, 1.0)) * rng.uniform(0.4, 1.1)
        _branch(canvas, x + t * (x2 - x), y + t * (y2 - y), angle + side, length * rng.uniform(0.35, 0.6),
                depth - 1, rng)


def frost_texture(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """float32 [H, W, 3] in [0, 1]: frosted glass — cloudy ice, denser towards the borders, with branching
    crystals, in a cold white tint."""
    cloud = fractal_noise(height, width, rng, decay=1.6)
    rows = np.abs(np.linspace(-1.0, 1.0, height, dtype=np.float32))[:, None]
    cols = np.abs(np.linspace(-1.0, 1.0, width, dtype=np.float32))[None, :]
    border = np.maximum(rows, cols) ** 2  # frost grows from the window frame inwards
    crystals = np.zeros((height, width), dtype=np.float32)
    side = max(height, width)
    for _ in range(max(8, (height * width) // 600)):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        _branch(crystals, x, y, rng.uniform(0, 2 * math.pi), rng.uniform(0.02, 0.07) * side, 3, rng)
    crystals = cv2.GaussianBlur(crystals, (0, 0), 0.5) + 0.5 * cv2.GaussianBlur(crystals, (0, 0), 1.5)
    ice = np.clip(0.2 + 0.35 * cloud + 0.3 * border + 0.8 * crystals, 0.0, 1.0)
    tint = np.array([0.86, 0.93, 1.0], dtype=np.float32)  # a cold blue-white
    return ice[..., None] * tint
