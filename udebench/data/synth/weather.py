"""Weather and camera effects: Koschmieder fog, rain streaks and lens drops, snow, sensor noise.

The functions take linear radiance (3, H, W) and the true depth; particles are drawn with
a per-frame generator and hidden behind nearer scene geometry, as real ones would be.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from udebench.data.synth.lighting import box_blur, downsample, positive, upsample_linear
from udebench.data.synth.textures import noise
from udebench.data.synth.world import Street

GAMMA = 1 / 2.2


def transmission(depth: np.ndarray, beta: float, sky_value: float = 0.0) -> np.ndarray:
    """Koschmieder transmission t = exp(-beta * depth); sky pixels (depth 0) get ``sky_value``."""
    t = np.exp(np.float32(-beta) * depth).astype(np.float32, copy=False)
    t[depth <= 0] = sky_value
    return t


def koschmieder(clean: np.ndarray, t: np.ndarray, airlight: Sequence[float] | np.ndarray) -> np.ndarray:
    """I = J * t + A * (1 - t): scattering in a homogeneous medium (fog, haze)."""
    a = np.asarray(airlight, np.float32).reshape(3, 1, 1)
    return (clean * t + a * (1.0 - t)).astype(np.float32, copy=False)


def encode(radiance: np.ndarray, exposure: float) -> np.ndarray:
    """Linear radiance (3, H, W) -> display uint8 (H, W, 3): soft shoulder, then gamma 1/2.2."""
    x = 1.0 - np.exp(np.float32(-exposure) * positive(radiance))
    return _to_uint8(x)


_LUT_SIZE = 4096


@lru_cache(maxsize=1)
def _gamma_lut() -> np.ndarray:
    # indexed by sqrt(signal): fine steps in the shadows where gamma is steep
    root = np.arange(_LUT_SIZE, dtype=np.float64) / (_LUT_SIZE - 1)
    return np.round((root * root) ** GAMMA * 255.0).astype(np.uint8)


def _to_uint8(signal: np.ndarray) -> np.ndarray:
    """Linear signal in [0, 1] (3, H, W) -> gamma-encoded uint8 (H, W, 3), via a lookup table."""
    root = np.clip(signal, 0.0, 1.0)
    np.sqrt(root, out=root)
    root *= np.float32(_LUT_SIZE - 1)
    root += np.float32(0.5)
    index = root.astype(np.uint16)  # truncates as intp would; 7x cheaper to convert to
    lut = _gamma_lut()
    out = np.empty(signal.shape[1:] + (signal.shape[0],), np.uint8)
    for c in range(signal.shape[0]):  # interleave the channels plane by plane: 4x faster than np.stack
        out[..., c] = lut.take(index[c])
    return out


@lru_cache(maxsize=1)
def _gaussian_table() -> np.ndarray:
    return np.random.Generator(np.random.PCG64(0x0153)).standard_normal((1024, 2048), dtype=np.float32)


def gaussian_field(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal noise of ``shape`` (C, H, W): random windows of a fixed table, fast.

    Drawing fresh normals costs more than the whole rest of a night frame; a random window
    (and sign) of a large fixed table per channel looks the same and stays deterministic.
    """
    c, h, w = shape
    table = _gaussian_table()
    if h > table.shape[0] or w > table.shape[1]:
        return rng.standard_normal(shape, dtype=np.float32)
    out = np.empty(shape, np.float32)
    ys = rng.integers(0, table.shape[0] - h + 1, c)
    xs = rng.integers(0, table.shape[1] - w + 1, c)
    signs = rng.choice(np.array([-1.0, 1.0], np.float32), c)
    for i in range(c):
        np.multiply(table[ys[i] : ys[i] + h, xs[i] : xs[i] + w], signs[i], out=out[i])
    return out


def encode_noisy(
    radiance: np.ndarray, exposure: float, rng: np.random.Generator, photons: float, read: float
) -> np.ndarray:
    """Like :func:`encode` with Poisson-Gaussian sensor noise in the linear signal.

    Shot noise has variance signal / photons (``photons`` = electrons at full scale) and the
    read noise a constant ``read**2``; the Gaussian approximation keeps it fast.
    """
    x = 1.0 - np.exp(np.float32(-exposure) * positive(radiance))
    sigma = np.sqrt(x * np.float32(1.0 / photons) + np.float32(read * read))
    x += sigma * gaussian_field(rng, x.shape)
    return _to_uint8(x)


def bloom(radiance: np.ndarray, threshold: float, strength: float, radius: int) -> np.ndarray:
    """Glare around bright lights: blur what exceeds ``threshold`` at quarter size and add it back."""
    small = positive(downsample(radiance, 4) - np.float32(threshold))
    r = max(1, radius // 4)
    for _ in range(3):  # three box passes: close to a Gaussian, so glows come out round
        small = box_blur(small, r, r)
    return radiance + np.float32(strength) * upsample_linear(small, 4, radiance.shape[1:])


def _splat(shape: tuple[int, int], rows: np.ndarray, cols: np.ndarray, weights: np.ndarray) -> np.ndarray:
    h, w = shape
    ok = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    flat = rows[ok] * w + cols[ok]
    return np.bincount(flat, weights=weights[ok], minlength=h * w).reshape(h, w).astype(np.float32)


def rain_streaks(depth: np.ndarray, focal: float, rng: np.random.Generator, density: float, slant: float) -> np.ndarray:
    """Coverage (H, W) of motion-blurred rain drops: long thin streaks, longer when nearer.

    Each drop has a distance; it is hidden where the scene is nearer than the drop.
    """
    h, w = depth.shape
    n = int(density * h * w / 100.0)
    dist = rng.uniform(0.6, 12.0, n).astype(np.float32)
    length = np.clip(0.9 * focal / dist * 0.06, 2.0, h * 0.35)
    u0 = rng.uniform(-0.1 * w, 1.1 * w, n).astype(np.float32)
    v0 = rng.uniform(-0.2 * h, h, n).astype(np.float32)
    alpha = (0.08 + 0.22 * rng.random(n)).astype(np.float32) * np.clip(3.0 / dist, 0.3, 1.0)
    steps = np.ceil(length).astype(np.int64)
    total = int(steps.sum())
    owner = np.repeat(np.arange(n), steps)
    along = np.arange(total) - np.repeat(np.cumsum(steps) - steps, steps)
    frac = along / np.repeat(steps, steps)
    rows = (v0[owner] + along).astype(np.int64)
    cols = (u0[owner] + slant * along).astype(np.int64)
    # fade both ends so streaks taper
    weight = alpha[owner] * np.sin(np.pi * (frac * 0.9 + 0.05))
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    rows, cols, weight, owner = rows[inside], cols[inside], weight[inside], owner[inside]
    scene = depth[rows, cols]
    visible = (scene <= 0) | (scene > dist[owner])
    cover = _splat((h, w), rows[visible], cols[visible], weight[visible])
    return np.minimum(cover, 0.7)


def snowflakes(depth: np.ndarray, focal: float, rng: np.random.Generator, density: float) -> np.ndarray:
    """Coverage (H, W) of falling snowflakes: soft dots, bigger and blurrier when nearer."""
    h, w = depth.shape
    n = int(density * h * w / 100.0)
    dist = (1.0 + 30.0 * rng.random(n) ** 2).astype(np.float32)
    radius = np.clip(focal * 0.006 / dist, 0.35, 2.5)
    u0 = rng.uniform(0, w, n).astype(np.float32)
    v0 = rng.uniform(0, h, n).astype(np.float32)
    alpha = ((0.55 + 0.45 * rng.random(n)) * np.clip(1.5 / radius, 0.35, 1.0)).astype(np.float32)
    off = np.arange(-3, 4, dtype=np.float32)
    oy, ox = np.meshgrid(off, off, indexing="ij")
    oy, ox = oy.ravel(), ox.ravel()
    rows = np.floor(v0[:, None] + oy[None, :]).astype(np.int64)
    cols = np.floor(u0[:, None] + ox[None, :]).astype(np.int64)
    r2 = ((rows + 0.5 - v0[:, None]) ** 2 + (cols + 0.5 - u0[:, None]) ** 2) / (radius[:, None] ** 2)
    weight = alpha[:, None] * np.clip(1.3 - r2, 0.0, 1.0)
    keep = weight > 0.01
    rows, cols, weight = rows[keep], cols[keep], weight[keep]
    owner = np.broadcast_to(np.arange(n)[:, None], keep.shape)[keep]
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    rows, cols, weight, owner = rows[inside], cols[inside], weight[inside], owner[inside]
    scene = depth[rows, cols]
    visible = (scene <= 0) | (scene > dist[owner])
    cover = _splat((h, w), rows[visible], cols[visible], weight[visible])
    return np.minimum(cover, 1.0)


def lens_drops(radiance: np.ndarray, rng: np.random.Generator, count: int) -> np.ndarray:
    """Water drops on the lens: small discs showing a blurred, slightly brighter view."""
    c, h, w = radiance.shape
    if count <= 0:
        return radiance
    r = max(1, h // 160)
    small = box_blur(downsample(radiance, 4), r, r)  # the view through a drop, at quarter size
    out = radiance.copy()
    for _ in range(count):
        r = float(rng.uniform(0.02, 0.07) * h)
        cy, cx = float(rng.uniform(0, h)), float(rng.uniform(0, w))
        r0, r1 = max(0, int(cy - r) - 1), min(h, int(cy + r) + 2)
        c0, c1 = max(0, int(cx - r) - 1), min(w, int(cx + r) + 2)
        if r0 >= r1 or c0 >= c1:
            continue
        yy = np.arange(r0, r1, dtype=np.float32)[:, None] - cy
        xx = np.arange(c0, c1, dtype=np.float32)[None, :] - cx
        d = np.sqrt(xx * xx + yy * yy) / r
        a = np.clip((1.0 - d) * 4.0, 0.0, 1.0) * 0.85
        rim = np.clip(1.0 - np.abs(d - 0.85) * 8.0, 0.0, 1.0) * 0.25
        rows = np.minimum(np.arange(r0, r1) // 4, small.shape[1] - 1)
        cols = np.minimum(np.arange(c0, c1) // 4, small.shape[2] - 1)
        inner = small[:, rows][:, :, cols] * (1.08 - 0.15 * yy / r) * (1.0 - rim)
        out[:, r0:r1, c0:c1] += a * (inner - out[:, r0:r1, c0:c1])
    return out


def snow_albedo(
    albedo: np.ndarray, up: np.ndarray, road: np.ndarray, x: np.ndarray, z: np.ndarray, street: Street, level: float
) -> np.ndarray:
    """Albedo under fresh snow: horizontal surfaces turn white; on the road, wheel tracks stay dark.

    ``up`` is how much each surface faces the sky, ``road`` marks road pixels and (x, z) are
    world coordinates used to place the tracks (two per lane) and the patchiness.
    """
    snow = np.array([0.86, 0.88, 0.92], np.float32)[:, None, None]
    cover = np.clip((up - 0.55) * 3.0, 0.0, 1.0) * 0.95
    # the road's cover and slush, computed on road pixels only (the other pixels keep theirs)
    on_road = np.flatnonzero(road)
    x_road, z_road = np.take(x.ravel(), on_road), np.take(z.ravel(), on_road)
    lane = (x_road + street.n_lanes * street.lane_width / 2) / street.lane_width
    off = np.abs((lane % 1.0) - 0.5) * street.lane_width  # metres from the lane centre
    tracks = np.exp(-(((off - 0.78) / 0.28) ** 2))
    patchy = 0.5 + 0.5 * noise(x_road * 0.7, z_road * 0.35)
    cover.ravel()[on_road] = np.clip(level * (1.0 - 0.9 * tracks) * (0.55 + 0.6 * patchy), 0.0, 1.0)
    slush = np.array([0.16, 0.16, 0.17], np.float32)[:, None, None]
    wet_road = albedo.copy()
    flat = wet_road.reshape(3, -1)
    flat[:, on_road] = (slush * 0.7)[:, :, 0] + np.take(albedo.reshape(3, -1), on_road, axis=1) * 0.3
    return wet_road + cover * (snow - wet_road)
