"""The ``physics`` translator: day RGB → night / rain / fog / snow, in image space only.

It sees only the RGB image and, for fog, a depth map (a model's prediction on real data), never
the renderer's geometry or lights. Every random draw comes from one ``torch.Generator``, so a
seed fixes the result; the numpy entry point calls the batched torch path, so both agree.
Effects (per image, parameters drawn from the ranges below):

- night (``night_model="headlights"``, the default): a depth-aware night. In linear light the
  scene keeps a faint cool ambient (moonlight, ×[0.03, 0.07]); the sky (depth beyond ``night_sky_depth``)
  goes near black; the ego car's low beams light each pixel with irradiance ∝ beam(direction) / d²
  (d from the depth map; the beam is wide, cut off just above the horizon; pixel directions from a
  nominal focal length ``night_focal_per_width``·W); a few street lamps light pools at their depth
  and glare as haloed points; bright pixels bloom; Poisson–Gaussian sensor noise at low light;
  re-encode. Without a depth map a flat-road prior stands in for d.
  ``night_model="dusk"`` is version 1's night: exposure ×[0.03, 0.08] of the day image, a fixed
  headlight pool, glow and noise — a dusky, evenly lit image.
- fog: Koschmieder ``I = J·t + A·(1 − t)``, ``t = exp(−β·d)``, β = 3.912 / visibility; without a
  depth map a flat-road row prior stands in for d.
- rain: wet darkening, lowered contrast, a slight blur, slanted streaks.
- snow: whitening (more on the lower, ground half), lowered contrast, flakes at two sizes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

CONDITIONS = ("night", "rain", "fog", "snow")
KOSCHMIEDER_CONTRAST = 3.912  # −ln(0.02): visibility is where contrast drops to 2 %

NIGHT_MODELS = ("headlights", "dusk")

DEFAULTS: dict[str, tuple[float, float]] = {
    # calibrated so that, on synth day frames with their depth, the night's mean luminance per depth band
    # and its share of near-black pixels come close to the renderer's night (benchmarks/bench_night_translator.py)
    "night_ambient": (0.03, 0.07),
    "night_beam_power": (6.0, 14.0),  # irradiance × m²: a surface at 3 m gets 0.7-1.6× its daylight albedo
    "night_lamps": (0.0, 3.0),  # how many street lamps (rounded to the nearest)
    "night_lamp_power": (1.0, 4.0),
    "night_sky_depth": (60.0, 60.0),  # metres: farther than this is sky / too far for any light
    "night_focal_per_width": (0.58, 0.58),
    "night_bloom": (0.3, 0.6),
    "night_exposure": (0.03, 0.08),
    "night_read_noise": (0.004, 0.01),
    "night_photons": (300.0, 800.0),  # photo-electrons at full scale: shot noise ∝ sqrt(signal)
    "night_glow": (0.3, 0.6),
    "night_headlights": (0.3, 0.7),  # the ego car's low beams: a pool of light on the road ahead
    "fog_visibility": (30.0, 120.0),  # metres
    "fog_airlight": (0.75, 0.9),
    "rain_darkening": (0.7, 0.9),
    "rain_streak_density": (0.002, 0.006),
    "rain_streak_angle": (-0.3, 0.3),  # radians from vertical
    "snow_whitening": (0.15, 0.3),
    "snow_flake_density": (0.002, 0.008),
}


def _uniform(bounds: tuple[float, float], n: int, generator: torch.Generator | None, device) -> torch.Tensor:
    low, high = float(bounds[0]), float(bounds[1])
    gen_device = generator.device if generator is not None else "cpu"
    u = torch.rand(n, generator=generator, device=gen_device).to(device)
    return low + (high - low) * u


def _rand(shape: tuple[int, ...], generator: torch.Generator | None, device) -> torch.Tensor:
    gen_device = generator.device if generator is not None else "cpu"
    return torch.rand(shape, generator=generator, device=gen_device).to(device)


def _gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur with reflect padding (kernel radius 3σ)."""
    if sigma <= 0:
        return x
    radius = max(1, int(math.ceil(3 * sigma)))
    radius = min(radius, x.shape[-1] - 1, x.shape[-2] - 1)
    offsets = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = kernel / kernel.sum()
    c = x.shape[1]
    x = F.pad(x, (radius, radius, 0, 0), mode="reflect")
    x = F.conv2d(x, kernel.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    x = F.pad(x, (0, 0, radius, radius), mode="reflect")
    return F.conv2d(x, kernel.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def _luma(x: torch.Tensor) -> torch.Tensor:
    return (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])


def row_depth_prior(height: int, width: int, *, device=None, max_depth: float = 80.0) -> torch.Tensor:
    """A level camera over a flat road: depth ∝ 1 / (v − horizon) below the middle row, ``max_depth`` above."""
    rows = torch.arange(height, device=device, dtype=torch.float32) + 0.5
    below = (rows - 0.5 * height) / height  # 0 at the horizon, 0.5 at the bottom
    depth = (1.5 / below.clamp(min=1e-6)).clamp(max=max_depth)  # the bottom row ≈ 3 m
    return depth.view(1, 1, height, 1).expand(1, 1, height, width)


def koschmieder(image: torch.Tensor, depth: torch.Tensor, beta: torch.Tensor, airlight: torch.Tensor) -> torch.Tensor:
    """``I = J·t + A·(1 − t)``, ``t = exp(−β·d)``; β and A per image ``[B]``, depth ``[B, 1, H, W]``."""
    t = torch.exp(-beta.view(-1, 1, 1, 1) * depth)
    return image * t + airlight.view(-1, 1, 1, 1) * (1.0 - t)


class PhysicsTranslator:
    """The translator contract (:class:`udebench.plugin.Translator`): one uint8 image or a torch batch.

    Each image's random draws come from its own generator seeded by its seed, so a batch equals
    the single calls. ``depth`` (fog only) is a predicted depth map in metres.
    """

    name = "physics"
    version = "2"  # 2: the depth-aware "headlights" night
    conditions = CONDITIONS
    needs_depth = False  # fog uses a depth map when given, a flat-road prior otherwise

    def __init__(self, seed: int = 0, night_model: str = "headlights", **ranges: Any) -> None:
        unknown = set(ranges) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"physics translator: unknown option(s) {sorted(unknown)}; known: "
                             f"{sorted([*DEFAULTS, 'night_model'])}")
        if night_model not in NIGHT_MODELS:
            raise ValueError(f"physics translator: night_model {night_model!r}: choose one of "
                             f"{', '.join(NIGHT_MODELS)}")
        self.seed = int(seed)
        self.night_model = night_model
        self.ranges = {k: _as_range(ranges.get(k, v)) for k, v in DEFAULTS.items()}
        self.options = {"night_model": night_model, **{k: list(self.ranges[k]) for k in sorted(ranges)}}

    def __call__(self, image: np.ndarray, condition: str, *, depth: np.ndarray | None = None,
                 seed: int | None = None) -> np.ndarray:
        """One uint8 HxWx3 image translated to ``condition`` (same shape and dtype)."""
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"physics translator: expected uint8 HxWx3, got {image.dtype} {image.shape}")
        x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float() / 255.0
        d = None if depth is None else torch.as_tensor(np.asarray(depth, dtype=np.float32))[None, None]
        out = self.translate_batch(x, condition, depth=d, seeds=[self.seed if seed is None else int(seed)])
        return (out[0].permute(1, 2, 0) * 255.0).round().clamp(0, 255).to(torch.uint8).numpy()

    def translate_batch(self, images: torch.Tensor, condition: str, *, depth: torch.Tensor | None = None,
                        seeds: Sequence[int] | None = None) -> torch.Tensor:
        """``images`` ``[B, 3, H, W]`` in [0, 1] → the same in ``condition``; ``depth`` ``[B, 1, H, W]`` metres."""
        from udebench.plugin import batch_seeds

        if condition not in CONDITIONS:
            raise ValueError(f"physics translator: condition {condition!r} not in {CONDITIONS}")
        seeds = batch_seeds(seeds, images.shape[0], self.seed)
        out = [self._translate(images[i:i + 1], condition, None if depth is None else depth[i:i + 1],
                               torch.Generator().manual_seed(seed)) for i, seed in enumerate(seeds)]
        return torch.cat(out) if out else images.clone()

    def _translate(self, images: torch.Tensor, condition: str, depth: torch.Tensor | None,
                   generator: torch.Generator) -> torch.Tensor:
        x = images.float().clamp(0.0, 1.0)
        if condition == "night" and self.night_model == "headlights":
            out = self._night_headlights(x, depth, generator)
        elif condition == "night":
            out = self._night(x, generator)
        elif condition == "fog":
            out = self._fog(x, depth, generator)
        elif condition == "rain":
            out = self._rain(x, generator)
        else:
            out = self._snow(x, generator)
        return out.clamp(0.0, 1.0).to(images.dtype)

    def _night(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        b, _, h, w = x.shape
        r = self.ranges
        linear = x**2.2
        exposure = _uniform(r["night_exposure"], b, gen, x.device).view(b, 1, 1, 1)
        tint = x.new_tensor([0.85, 0.95, 1.15]).view(1, 3, 1, 1)  # moonlight / LED blue cast
        dark = linear * exposure * tint
        bright = ((_luma(x) - 0.85) / 0.15).clamp(0.0, 1.0)  # lamps, sky, white paint
        glow = _gaussian_blur(bright, sigma=max(1.0, 0.015 * w))
        glow_gain = _uniform(r["night_glow"], b, gen, x.device).view(b, 1, 1, 1)
        warm = x.new_tensor([1.0, 0.75, 0.45]).view(1, 3, 1, 1)
        headlights = _uniform(r["night_headlights"], b, gen, x.device).view(b, 1, 1, 1) * _headlight_pool(h, w, x)
        lit = dark + glow_gain * glow * warm * 0.25 + headlights * linear
        photons = _uniform(r["night_photons"], b, gen, x.device).view(b, 1, 1, 1)
        gen_device = gen.device
        shot = torch.poisson((lit.clamp(min=0) * photons).to(gen_device), generator=gen).to(x.device) / photons
        read = _uniform(r["night_read_noise"], b, gen, x.device).view(b, 1, 1, 1)
        noisy = shot + read * torch.randn(x.shape, generator=gen, device=gen_device).to(x.device)
        return noisy.clamp(0.0, 1.0) ** (1.0 / 2.2)

    def _night_headlights(self, x: torch.Tensor, depth: torch.Tensor | None, gen: torch.Generator) -> torch.Tensor:
        """The depth-aware night of one image ``[1, 3, H, W]`` (see the module docstring)."""
        b, _, h, w = x.shape
        r = self.ranges
        d = _depth_map(depth, x)
        linear = x**2.2
        sky = (d >= _uniform(r["night_sky_depth"], 1, gen, x.device).view(1, 1, 1, 1)).float()
        ambient = _uniform(r["night_ambient"], b, gen, x.device).view(b, 1, 1, 1)
        moon = x.new_tensor([0.8, 0.9, 1.15]).view(1, 3, 1, 1)
        beam = _low_beam(h, w, float(_uniform(r["night_focal_per_width"], 1, gen, "cpu")), like=x)
        power = _uniform(r["night_beam_power"], b, gen, x.device).view(b, 1, 1, 1)
        headlight = power * beam / d.clamp(min=1.0) ** 2 * (1.0 - sky)
        warm_white = x.new_tensor([1.0, 0.95, 0.85]).view(1, 3, 1, 1)
        irradiance = ambient * moon + headlight * warm_white + self._lamp_pools(d, sky, gen)
        lit = linear * irradiance * (1.0 - sky) + sky * 0.004 * moon  # an almost black sky
        glare = self._lamp_glare(h, w, gen, like=x)
        bright = (lit - 0.6).clamp(min=0.0)
        bloom = _uniform(r["night_bloom"], b, gen, x.device).view(b, 1, 1, 1) * _gaussian_blur(bright + glare,
                                                                                            sigma=max(1.0, 0.01 * w))
        lit = lit + glare + bloom
        photons = _uniform(r["night_photons"], b, gen, x.device).view(b, 1, 1, 1)
        shot = torch.poisson((lit.clamp(0, 4) * photons).to(gen.device), generator=gen).to(x.device) / photons
        read = _uniform(r["night_read_noise"], b, gen, x.device).view(b, 1, 1, 1)
        noisy = shot + read * torch.randn(x.shape, generator=gen, device=gen.device).to(x.device)
        return noisy.clamp(0.0, 1.0) ** (1.0 / 2.2)

    def _lamps(self, gen: torch.Generator) -> list[tuple[float, float, float]]:
        """Street lamps as (column in [0, 1], depth in metres, power), drawn once per image."""
        r = self.ranges
        n = int(float(_uniform(r["night_lamps"], 1, gen, "cpu")) + 0.5)
        lamps = []
        for _ in range(n):
            u = float(torch.rand(1, generator=gen))
            lamps.append((0.05 + 0.9 * u, 8.0 + 30.0 * float(torch.rand(1, generator=gen)),
                          float(_uniform(r["night_lamp_power"], 1, gen, "cpu"))))
        self._current_lamps = lamps
        return lamps

    def _lamp_pools(self, d: torch.Tensor, sky: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Warm light around each lamp: pixels near its column and its depth, falling off with distance."""
        _, _, h, w = d.shape
        cols = torch.linspace(0.0, 1.0, w, device=d.device, dtype=d.dtype).view(1, 1, 1, w)
        sodium = d.new_tensor([1.0, 0.7, 0.35]).view(1, 3, 1, 1)
        out = torch.zeros(1, 3, h, w, device=d.device, dtype=d.dtype)
        for u, depth, power in self._lamps(gen):
            lateral = ((cols - u) * 6.0 * depth / 10.0) ** 2  # ~metres off the lamp's column at its depth
            distance2 = (d - depth) ** 2 + lateral + 25.0  # the lamp hangs ~5 m up
            out = out + power * sodium / distance2 * (1.0 - sky)
        return out

    def _lamp_glare(self, h: int, w: int, gen: torch.Generator, like: torch.Tensor) -> torch.Tensor:
        """Each lamp's head as a saturated point with a halo, above the horizon at its column."""
        rows = torch.arange(h, device=like.device, dtype=like.dtype).view(1, 1, h, 1)
        cols = torch.arange(w, device=like.device, dtype=like.dtype).view(1, 1, 1, w)
        out = torch.zeros(1, 3, h, w, device=like.device, dtype=like.dtype)
        warm = like.new_tensor([1.0, 0.85, 0.6]).view(1, 3, 1, 1)
        for u, depth, _ in getattr(self, "_current_lamps", []):
            row = 0.5 * h - 0.58 * w * 5.0 / depth  # 5 m above the camera's horizon at that depth
            radius = max(1.0, 0.006 * w * 10.0 / depth)
            r2 = (rows - row) ** 2 + (cols - u * (w - 1)) ** 2
            out = out + warm * (3.0 * torch.exp(-r2 / (2 * radius**2)) + 0.3 * torch.exp(-r2 / (2 * (4 * radius) ** 2)))
        return out

    def _fog(self, x: torch.Tensor, depth: torch.Tensor | None, gen: torch.Generator) -> torch.Tensor:
        b = x.shape[0]
        depth = _depth_map(depth, x)
        visibility = _uniform(self.ranges["fog_visibility"], b, gen, x.device)
        airlight = _uniform(self.ranges["fog_airlight"], b, gen, x.device)
        return koschmieder(x, depth, KOSCHMIEDER_CONTRAST / visibility, airlight)

    def _rain(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        b, _, h, w = x.shape
        r = self.ranges
        darkening = _uniform(r["rain_darkening"], b, gen, x.device).view(b, 1, 1, 1)
        grey = x.mean(dim=(1, 2, 3), keepdim=True)
        wet = _gaussian_blur((x * darkening) * 0.8 + 0.2 * grey * darkening, sigma=0.7)
        density = _uniform(r["rain_streak_density"], b, gen, x.device).view(b, 1, 1, 1)
        seeds = (_rand((b, 1, h, w), gen, x.device) < density).float()
        angle = float(_uniform(r["rain_streak_angle"], 1, gen, "cpu"))
        streaks = F.conv2d(seeds, _line_kernel(max(3, h // 8), angle, x.device), padding="same").clamp(0.0, 1.0)
        streaks = _gaussian_blur(streaks, sigma=0.5) * 0.6
        return wet * (1.0 - streaks) + 0.85 * streaks

    def _snow(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        b, _, h, w = x.shape
        r = self.ranges
        whitening = _uniform(r["snow_whitening"], b, gen, x.device).view(b, 1, 1, 1)
        rows = torch.linspace(0.0, 1.0, h, device=x.device).view(1, 1, h, 1)
        ground = whitening + 0.4 * (rows - 0.5).clamp(min=0.0) * (1.0 - _saturation(x))  # grey ground gets covered
        white = x * (1.0 - ground.clamp(0, 0.8)) + 0.92 * ground.clamp(0, 0.8)
        density = _uniform(r["snow_flake_density"], b, gen, x.device).view(b, 1, 1, 1)
        flakes = torch.zeros_like(x[:, :1])
        for sigma, share in ((0.6, 0.7), (1.4, 0.3)):
            seeds = (_rand((b, 1, h, w), gen, x.device) < density * share).float()
            blob = _gaussian_blur(seeds, sigma=sigma) * (2 * math.pi * sigma**2)
            flakes = flakes + blob
        flakes = flakes.clamp(0.0, 1.0)
        return white * (1.0 - flakes) + 0.97 * flakes


def _depth_map(depth: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor:
    """``depth`` as ``[B, 1, H, W]`` at the image's size, or the flat-road prior when there is none."""
    b, _, h, w = x.shape
    if depth is None:
        return row_depth_prior(h, w, device=x.device).expand(b, 1, h, w)
    depth = depth.to(x.device, torch.float32)
    depth = depth[:, None] if depth.dim() == 3 else depth
    if depth.shape[-2:] != (h, w):
        depth = F.interpolate(depth, size=(h, w), mode="bilinear", align_corners=False)
    return depth.expand(b, 1, h, w)


def _low_beam(height: int, width: int, focal_per_width: float, like: torch.Tensor) -> torch.Tensor:
    """Relative intensity of dipped headlights per pixel direction: wide, cut off just above the horizon.

    Directions come from a pinhole with focal ``focal_per_width``·W at the image centre (a nominal
    driving camera, not the scene's): horizontal spread ~±35°, a sharp cut-off 1° above the horizon.
    """
    focal = focal_per_width * width
    rows = torch.arange(height, device=like.device, dtype=like.dtype).view(1, 1, height, 1)
    cols = torch.arange(width, device=like.device, dtype=like.dtype).view(1, 1, 1, width)
    tan_h = (cols - 0.5 * (width - 1)) / focal
    tan_v = (rows - 0.5 * (height - 1)) / focal  # > 0 below the horizon
    cutoff = torch.sigmoid((tan_v + 0.017) / 0.01)
    return torch.exp(-0.5 * (tan_h / 0.45) ** 2) * cutoff


def _headlight_pool(height: int, width: int, like: torch.Tensor) -> torch.Tensor:
    """An image-space prior for low beams: brightest at the bottom centre, fading up to the horizon and sideways."""
    rows = torch.linspace(0.0, 1.0, height, device=like.device, dtype=like.dtype).view(1, 1, height, 1)
    cols = torch.linspace(-1.0, 1.0, width, device=like.device, dtype=like.dtype).view(1, 1, 1, width)
    below = ((rows - 0.5) / 0.5).clamp(min=0.0)  # 0 at the horizon (middle row), 1 at the bottom
    return below.sqrt() * torch.exp(-0.5 * (cols / (0.25 + 0.35 * below)) ** 2)


def _saturation(x: torch.Tensor) -> torch.Tensor:
    high, low = x.amax(1, keepdim=True), x.amin(1, keepdim=True)
    return (high - low) / high.clamp(min=1e-3)


def _line_kernel(length: int, angle: float, device) -> torch.Tensor:
    """A ``[1, 1, L, L]`` kernel with a line through its centre, ``angle`` radians from vertical."""
    size = length if length % 2 else length + 1
    kernel = torch.zeros(size, size, device=device)
    centre = size // 2
    for t in torch.linspace(-centre, centre, 2 * size):
        u = int(round(centre + float(t) * math.sin(angle)))
        v = int(round(centre + float(t) * math.cos(angle)))
        if 0 <= u < size and 0 <= v < size:
            kernel[v, u] = 1.0
    return kernel.view(1, 1, size, size)


def _as_range(value: Any) -> tuple[float, float]:
    if isinstance(value, (int, float)):
        return float(value), float(value)
    low, high = value
    return float(low), float(high)
