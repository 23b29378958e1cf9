"""RoboDepth's 18 image corruptions × 5 severities: one small pure function each (numpy, OpenCV).

Every function is ``fn(image, severity, rng) -> image`` on uint8 HxWx3 RGB, keeps shape and dtype, and
draws all its randomness from ``rng`` (a ``numpy.random.Generator``), so a seed fixes the result.
Parameters follow ImageNet-C (Hendrycks & Dietterich 2019) as RoboDepth uses them, plus RoboDepth's
own ``dark``, ``color_quant`` and ``iso_noise``. Where ImageNet-C needs a library we do not use (Wand
motion blur, frost photographs, skimage) the effect is re-derived here; ``elastic_transform``, ``snow``,
``frost``, ``fog``, ``zoom_blur`` and ``pixelate`` use our own per-severity parameters (or cell
layout), chosen so that the damage grows with severity. So generated KITTI-C images resemble
RoboDepth's released ones but are not identical to them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

from udebench.data.kitti_c.textures import fractal_noise, frost_texture

#: in RoboDepth's order (weather & lighting, sensor & movement, data & processing); names = its folder names.
CORRUPTIONS: tuple[str, ...] = (
    "brightness", "dark", "fog", "frost", "snow", "contrast",
    "defocus_blur", "glass_blur", "motion_blur", "zoom_blur", "elastic_transform", "color_quant",
    "gaussian_noise", "impulse_noise", "shot_noise", "iso_noise", "pixelate", "jpeg_compression",
)
SEVERITIES: tuple[int, ...] = (1, 2, 3, 4, 5)

Corruption = Callable[[np.ndarray, int, np.random.Generator], np.ndarray]


def _float(image: np.ndarray) -> np.ndarray:
    return np.asarray(image, dtype=np.float32) / 255.0


def _uint8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)


def _pick(values, severity: int):
    return values[severity - 1]


# --- weather & lighting ---------------------------------------------------------------------------------

def brightness(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Raise HSV value by c ∈ {.1, .2, .3, .4, .5}."""
    hsv = cv2.cvtColor(_float(image), cv2.COLOR_RGB2HSV)
    hsv[..., 2] = np.clip(hsv[..., 2] + _pick((0.1, 0.2, 0.3, 0.4, 0.5), severity), 0, 1)
    return _uint8(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB))


def _poisson_gaussian(x: np.ndarray, photons: float, sigma: float, rng: np.random.Generator) -> np.ndarray:
    x = np.clip(rng.poisson(np.clip(x, 0, 1) * photons) / photons, 0, 1)
    return np.clip(x + rng.normal(0.0, sigma, size=x.shape), 0, 1)


def dark(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Low light (RoboDepth): stretch to [0, c] with γ = 2, c ∈ {.6 … .2}, then Poisson–Gaussian sensor noise."""
    x = _float(image)
    low, high = float(x.min()), float(x.max())
    top = _pick((0.6, 0.5, 0.4, 0.3, 0.2), severity)
    x = ((x - low) / max(high - low, 1e-6)) ** 2 * top
    photons = 10 * _pick((60, 25, 12, 5, 3), severity)
    sigma = 0.1 * _pick((0.08, 0.12, 0.18, 0.26, 0.38), severity)
    return _uint8(_poisson_gaussian(x, photons, sigma, rng))


def fog(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Add c·fractal noise (decay d) and renormalise: (c, d) ∈ {(1.5, 2) … (3.5, 1.6)} (ImageNet-C's range)."""
    strength, decay = _pick(((1.5, 2.0), (2.0, 1.9), (2.5, 1.8), (3.0, 1.7), (3.5, 1.6)), severity)
    x = _float(image)
    peak = float(x.max())
    haze = fractal_noise(x.shape[0], x.shape[1], rng, decay=decay)[..., None]
    return _uint8((x + strength * haze) * peak / (peak + strength))


def frost(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """a·image + b·frost texture (procedural), (a, b) ∈ {(1, .35), (.85, .5), (.75, .6), (.65, .7), (.55, .8)}."""
    a, b = _pick(((1.0, 0.35), (0.85, 0.5), (0.75, 0.6), (0.65, 0.7), (0.55, 0.8)), severity)
    texture = frost_texture(image.shape[0], image.shape[1], rng)
    return _uint8(a * _float(image) + b * texture)


def _centre_zoom(x: np.ndarray, factor: float) -> np.ndarray:
    """Enlarge the centre of ``x`` by ``factor`` ≥ 1, keeping the size."""
    h, w = x.shape[:2]
    ch, cw = max(1, int(round(h / factor))), max(1, int(round(w / factor)))
    top, left = (h - ch) // 2, (w - cw) // 2
    return cv2.resize(x[top:top + ch, left:left + cw], (w, h), interpolation=cv2.INTER_LINEAR)


def _motion_kernel(radius: int, sigma: float, angle_deg: float) -> np.ndarray:
    """A one-sided streak: Gaussian weights (σ) along a ray of length ``radius`` at ``angle_deg``."""
    size = 2 * radius + 1
    kernel = np.zeros((size, size), dtype=np.float32)
    angle = math.radians(angle_deg)
    for t in np.linspace(0.0, radius, 4 * radius + 1):
        x, y = radius + t * math.cos(angle), radius - t * math.sin(angle)
        x0, y0 = int(math.floor(x)), int(math.floor(y))
        fx, fy = x - x0, y - y0
        weight = math.exp(-(t ** 2) / (2 * sigma ** 2))
        for dx, dy, share in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy),
                              (1, 1, fx * fy)):
            if 0 <= y0 + dy < size and 0 <= x0 + dx < size:
                kernel[y0 + dy, x0 + dx] += weight * share
    return kernel / kernel.sum()


def snow(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Flakes (thresholded, zoomed Gaussian noise, motion-streaked) over a whitened image."""
    params = ((0.10, 0.3, 3.0, 0.60, 6, 3.0, 0.85), (0.15, 0.3, 3.0, 0.57, 8, 4.0, 0.80),
              (0.20, 0.3, 2.5, 0.55, 10, 5.0, 0.75), (0.25, 0.3, 2.5, 0.55, 12, 7.0, 0.70),
              (0.30, 0.3, 2.0, 0.55, 14, 9.0, 0.65))
    loc, scale, zoom, threshold, radius, sigma, keep = _pick(params, severity)
    x = _float(image)
    h, w = x.shape[:2]
    flakes = rng.normal(loc, scale, size=(h, w)).astype(np.float32)
    flakes = _centre_zoom(flakes, zoom)
    flakes[flakes < threshold] = 0
    angle = rng.uniform(-135, -45)
    flakes = cv2.filter2D(flakes, -1, _motion_kernel(radius, sigma, angle), borderType=cv2.BORDER_REFLECT)
    grey = cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)[..., None]
    x = keep * x + (1 - keep) * np.maximum(x, grey * 1.5 + 0.5)
    return _uint8(x + flakes[..., None] + np.rot90(flakes, 2)[..., None])


def contrast(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Pull towards the mean colour: (x − m)·c + m, c ∈ {.4, .3, .2, .1, .05}."""
    x = _float(image)
    mean = x.mean(axis=(0, 1), keepdims=True)
    return _uint8((x - mean) * _pick((0.4, 0.3, 0.2, 0.1, 0.05), severity) + mean)


# --- sensor & movement ----------------------------------------------------------------------------------

def defocus_blur(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Disk kernel of radius r, anti-aliased by a Gaussian σ: (r, σ) ∈ {(3, .1), (4, .5), (6, .5), (8, .5), (10, .5)}.
    """
    radius, alias = _pick(((3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5)), severity)
    span = np.arange(-radius, radius + 1)
    xx, yy = np.meshgrid(span, span)
    disk = ((xx ** 2 + yy ** 2) <= radius ** 2).astype(np.float32)
    disk = cv2.GaussianBlur(disk / disk.sum(), (3, 3), alias)
    return _uint8(cv2.filter2D(_float(image), -1, disk / disk.sum(), borderType=cv2.BORDER_REFLECT))


def glass_blur(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Gaussian blur σ, then ``n`` rounds of moving each pixel by up to ±δ, blur again: (σ, δ, n) as ImageNet-C."""
    sigma, delta, rounds = _pick(((0.7, 1, 2), (0.9, 2, 1), (1.0, 2, 3), (1.1, 3, 2), (1.5, 4, 2)), severity)
    x = cv2.GaussianBlur(_float(image), (0, 0), sigma)
    h, w = x.shape[:2]
    rows, cols = np.mgrid[0:h, 0:w]
    for _ in range(rounds):
        dy, dx = rng.integers(-delta, delta + 1, size=(2, h, w))
        x = x[np.clip(rows + dy, 0, h - 1), np.clip(cols + dx, 0, w - 1)]
    return _uint8(cv2.GaussianBlur(x, (0, 0), sigma))


def motion_blur(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """A one-sided streak of radius r, Gaussian σ, random angle in ±45°: (r, σ) ∈ {(10, 3) … (20, 15)}."""
    radius, sigma = _pick(((10, 3.0), (15, 5.0), (15, 8.0), (15, 12.0), (20, 15.0)), severity)
    kernel = _motion_kernel(radius, sigma, rng.uniform(-45, 45))
    return _uint8(cv2.filter2D(_float(image), -1, kernel, borderType=cv2.BORDER_REFLECT))


def zoom_blur(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Mean of the image and its centre zoomed by 10 factors evenly in [1, z], z ∈ {1.1, 1.15, 1.2, 1.25, 1.3}."""
    top = _pick((1.10, 1.15, 1.20, 1.25, 1.30), severity)
    x = _float(image)
    factors = np.linspace(1.0, top, 10)
    out = x.copy()
    for factor in factors:
        out += _centre_zoom(x, float(factor))
    return _uint8(out / (len(factors) + 1))


def elastic_transform(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Smooth random displacement field: amplitude a·s and smoothness σ·s, s = the shorter image side."""
    amplitude = _pick((0.005, 0.008, 0.012, 0.016, 0.022), severity)
    smooth = 0.03
    x = _float(image)
    h, w = x.shape[:2]
    side = min(h, w)
    sigma = max(1.0, smooth * side)
    field = []
    for _ in range(2):
        noise = cv2.GaussianBlur(rng.uniform(-1, 1, size=(h, w)).astype(np.float32), (0, 0), sigma)
        field.append(noise / max(float(noise.std()), 1e-6) * amplitude * side)
    cols, rows = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    warped = cv2.remap(x, cols + field[0], rows + field[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    return _uint8(warped)


def color_quant(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Posterise to 5, 4, 3, 2, 1 bits per channel (RoboDepth)."""
    bits = 6 - severity
    mask = np.uint8((0xFF << (8 - bits)) & 0xFF)
    return np.asarray(image, dtype=np.uint8) & mask


# --- data & processing ----------------------------------------------------------------------------------

def gaussian_noise(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Additive N(0, c²), c ∈ {.08, .12, .18, .26, .38}."""
    x = _float(image)
    return _uint8(x + rng.normal(0.0, _pick((0.08, 0.12, 0.18, 0.26, 0.38), severity), size=x.shape))


def impulse_noise(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Salt and pepper on a fraction c ∈ {.03, .06, .09, .17, .27} of the values."""
    x = _float(image)
    hit = rng.random(x.shape) < _pick((0.03, 0.06, 0.09, 0.17, 0.27), severity)
    salt = rng.random(x.shape) < 0.5
    x[hit & salt] = 1.0
    x[hit & ~salt] = 0.0
    return _uint8(x)


def shot_noise(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Poisson noise with c ∈ {60, 25, 12, 5, 3} photons at full scale."""
    photons = _pick((60, 25, 12, 5, 3), severity)
    return _uint8(np.clip(rng.poisson(_float(image) * photons) / photons, 0, 1))


def iso_noise(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """RoboDepth's ISO noise: Poisson (25 photons) then Gaussian σ = .7·{.08, .12, .18, .26, .38}."""
    sigma = 0.7 * _pick((0.08, 0.12, 0.18, 0.26, 0.38), severity)
    return _uint8(_poisson_gaussian(_float(image), 25.0, sigma, rng))


def pixelate(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Average over a grid c·H × c·W of cells, c ∈ {.6, .5, .4, .3, .25}, each pixel showing its cell's mean."""
    h, w = image.shape[:2]
    factor = _pick((0.6, 0.5, 0.4, 0.3, 0.25), severity)
    cells_y, cells_x = max(1, int(h * factor)), max(1, int(w * factor))
    row_cell = np.arange(h) * cells_y // h
    col_cell = np.arange(w) * cells_x // w
    cell = (row_cell[:, None] * cells_x + col_cell[None, :]).ravel()
    counts = np.bincount(cell, minlength=cells_y * cells_x)
    flat = image.reshape(-1, 3).astype(np.float64)
    means = np.stack([np.bincount(cell, flat[:, c], minlength=cells_y * cells_x) for c in range(3)], axis=1)
    means /= np.maximum(counts, 1)[:, None]
    return np.clip(np.rint(means[cell]), 0, 255).astype(np.uint8).reshape(h, w, 3)


def jpeg_compression(image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Encode and decode as JPEG at quality {25, 18, 15, 10, 7}."""
    quality = _pick((25, 18, 15, 10, 7), severity)
    ok, encoded = cv2.imencode(".jpg", np.ascontiguousarray(image[..., ::-1]), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV always encodes uint8 RGB
        raise RuntimeError("OpenCV could not encode the image as JPEG")
    return np.ascontiguousarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1])


FUNCTIONS: dict[str, Corruption] = {name: globals()[name] for name in CORRUPTIONS}


def corrupt(image: np.ndarray, name: str, severity: int, seed: int = 0) -> np.ndarray:
    """``image`` (uint8 HxWx3 RGB) with corruption ``name`` at ``severity`` 1–5; the same seed gives the same image."""
    if name not in FUNCTIONS:
        raise ValueError(f"unknown corruption {name!r}; choose one of {', '.join(CORRUPTIONS)}")
    severity = int(severity)
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of 1-5, not {severity}")
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"corrupt expects uint8 HxWx3, got {image.dtype} {image.shape}")
    out = FUNCTIONS[name](np.ascontiguousarray(image), severity, np.random.default_rng(seed))
    return np.ascontiguousarray(out, dtype=np.uint8)
