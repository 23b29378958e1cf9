"""Procedural texture helpers: a fixed noise tile, anti-aliased stripes, integer hashes.

Every pattern is box-filtered over the pixel's footprint on the surface, so distant lane
dashes and windows fade to their average colour instead of shimmering into noise.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

TILE = 256
_MASK = TILE - 1


@lru_cache(maxsize=1)
def noise_tile() -> np.ndarray:
    """A tileable 256x256 fractal noise in [-1, 1]; the same on every machine (fixed seed)."""
    rng = np.random.Generator(np.random.PCG64(0x5EED))
    white = rng.standard_normal((TILE, TILE))
    f = np.fft.fftfreq(TILE)
    radius = np.sqrt(f[:, None] ** 2 + f[None, :] ** 2)
    radius[0, 0] = 1.0
    spectrum = np.fft.fft2(white) / radius**1.6
    spectrum[0, 0] = 0.0
    tile = np.real(np.fft.ifft2(spectrum))
    return (tile / np.abs(tile).max()).astype(np.float32)


@lru_cache(maxsize=1)
def _corners() -> np.ndarray:
    """(TILE*TILE, 4): each cell's value and its right, lower and lower-right neighbours (wrapping).

    One row gather per lookup instead of four scattered ones.
    """
    t = noise_tile()
    right = np.roll(t, -1, axis=1)
    return np.stack([t, right, np.roll(t, -1, axis=0), np.roll(right, -1, axis=0)], axis=-1).reshape(-1, 4).copy()


def noise(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear lookup of the noise tile at texture coordinates (x, y), one cell per unit."""
    fx = np.floor(x)
    fy = np.floor(y)
    ax = x - fx
    ay = y - fy
    cell = fy.astype(np.int32)  # texture coordinates stay far inside int32; half the bytes of intp
    cell &= _MASK
    cell *= TILE
    column = fx.astype(np.int32)
    column &= _MASK
    cell += column
    n00, n01, n10, n11 = np.take(_corners(), cell, axis=0).T
    top = n01 - n00  # n00 + ax (n01 - n00), in place
    top *= ax
    top += n00
    bottom = n11 - n10
    bottom *= ax
    bottom += n10
    bottom -= top  # top + ay (bottom - top)
    bottom *= ay
    top += bottom
    return top


def stripes(x: np.ndarray, period, duty, width: np.ndarray, phase=0.0) -> np.ndarray:
    """Fraction of [x - width/2, x + width/2] covered by stripes [k*period, k*period + duty*period).

    ``phase`` shifts the stripes; the result is the exact box filter of a square wave.
    """
    inv = np.float32(1.0) / np.asarray(period, np.float32)
    y = (x - phase) * inv
    half = np.maximum(width * (inv * np.float32(0.5)), np.float32(1e-4))
    duty = np.asarray(duty, np.float32)

    def integral(z):  # number of periods' worth of stripe in [0, z]
        k = np.floor(z)
        z -= k
        np.minimum(z, duty, out=z)
        k *= duty
        k += z
        return k

    hi = integral(y + half)
    hi -= integral(y - half)
    hi /= 2 * half
    return hi


def band(x: np.ndarray, lo, hi, width: np.ndarray) -> np.ndarray:
    """Fraction of [x - width/2, x + width/2] that lies inside [lo, hi] (a filtered single stripe)."""
    half = np.maximum(width, 1e-4) * 0.5
    covered = np.minimum(x + half, hi) - np.maximum(x - half, lo)
    return np.clip(covered / (2 * half), 0.0, 1.0).astype(np.float32, copy=False)


@lru_cache(maxsize=1)
def _random_table() -> np.ndarray:
    return np.random.Generator(np.random.PCG64(0xC0FFEE)).random(1 << 16).astype(np.float32)


def hash01(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """A uniform value in [0, 1) per integer triple (a, b, c); exact on every machine."""
    key = a.astype(np.int32) * np.int32(73856093)
    key ^= b.astype(np.int32) * np.int32(19349663)
    key ^= c.astype(np.int32) * np.int32(83492791)
    key ^= key >> 16
    return _random_table()[key & np.int32(0xFFFF)]
