"""The five conditions and how each lights and weathers a scene.

Each condition draws its own parameters (sun position, fog density, rain intensity, ...)
from the scene seed, so scene i always has the same weather; per-frame randomness (noise,
rain, snowflakes) comes from a separate per-frame stream.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from udebench.data.synth import lighting as light
from udebench.data.synth import weather
from udebench.data.synth import world as w
from udebench.data.synth.surfaces import Surface, scatter
from udebench.data.synth.textures import noise

CONDITIONS: tuple[str, ...] = ("day", "night", "rain", "fog", "snow")
Rng = np.random.Generator


def condition_rng(seed: int, condition: str) -> np.random.Generator:
    """Generator for a scene's weather parameters: fixed per (scene, condition)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 1 + _index(condition)])))


def frame_rng(seed: int, condition: str, frame: int) -> np.random.Generator:
    """Generator for per-frame effects (sensor noise, rain, flakes) of one frame of a scene."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 100 + _index(condition), frame])))


def _index(condition: str) -> int:
    try:
        return CONDITIONS.index(condition)
    except ValueError:
        raise ValueError(f"unknown synth condition {condition!r}; choose one of {', '.join(CONDITIONS)}") from None


@dataclass
class Shaded:
    """A finished frame and the intermediate quantities tests and translators may check."""

    image: np.ndarray  # (H, W, 3) uint8
    parts: dict = field(default_factory=dict)


def _emit(out: np.ndarray, s: Surface, gains: dict[str, float]) -> None:
    for name, gain in gains.items():
        found = s.emitter(name) if gain else None
        if found is not None:
            idx, rgb = found
            scatter(out, idx, np.float32(gain) * rgb.T, add=True)


def _sun(rng: np.random.Generator) -> np.ndarray:
    elev = math.radians(rng.uniform(18.0, 60.0))
    az = math.radians(rng.uniform(-180.0, 180.0))
    return np.array([math.cos(elev) * math.sin(az), -math.sin(elev), math.cos(elev) * math.cos(az)], np.float32)


def shade_day(
    scene: w.Scene, s: Surface, pose: np.ndarray, depth: np.ndarray, rng_scene: Rng, rng_frame: Rng
) -> Shaded:
    """Clear day: sun with shadows, blue sky with clouds, light aerial haze."""
    sun = _sun(rng_scene)
    warm = float(rng_scene.uniform(0.0, 0.12))
    clouds = float(rng_scene.uniform(0.0, 0.75))
    sky = light.Sky(
        horizon=(0.66, 0.78, 0.95),
        zenith=(0.22, 0.40, 0.85),
        clouds=clouds,
        cloud_rgb=(1.0, 1.0, 1.0),
        sun_dir=tuple(sun.tolist()),
        sun_glow=(0.5, 0.45, 0.3),
        offset=scene.tex_offset,
    )
    sun_rgb = np.array([3.3, 3.15 - warm, 2.9 - 2 * warm], np.float32) * (1.0 - 0.3 * clouds)
    irr = light.sun_light(s, scene, sun, sun_rgb)
    irr += light.ambient(s, (0.22, 0.27, 0.38), (0.16, 0.15, 0.14))
    rad = s.albedo * irr + light.glossy_sky(s, sky)
    _emit(rad, s, {"tail_lights": 0.3})
    beta = float(rng_scene.uniform(0.001, 0.004))
    t = weather.transmission(depth, beta, sky_value=1.0)
    rad = weather.koschmieder(rad, t, sky.horizon) + light.sky_image(s, sky)
    exposure = float(rng_scene.uniform(1.0, 1.25))
    return Shaded(weather.encode(rad, exposure), {"radiance": rad, "exposure": exposure})


def shade_night(
    scene: w.Scene, s: Surface, pose: np.ndarray, depth: np.ndarray, rng_scene: Rng, rng_frame: Rng
) -> Shaded:
    """Night: ego low beams, street lamps, lit windows and car lights, glare, sensor noise."""
    sky = light.Sky(horizon=(0.014, 0.012, 0.012), zenith=(0.002, 0.003, 0.006))
    lamp_power = float(rng_scene.uniform(22.0, 34.0))
    irr = light.ambient(s, (0.010, 0.011, 0.016), (0.006, 0.005, 0.004))
    corridor = scene.street.road_half + scene.street.sidewalk_width + 1.6
    irr += light.point_lights(s, scene.lamp_pos, scene.lamp_colour, lamp_power, 18.0, corridor)
    irr += light.headlights(s, pose, float(rng_scene.uniform(250.0, 400.0)))
    rad = s.albedo * irr + light.glossy_sky(s, sky)
    windows = float(rng_scene.uniform(0.15, 0.35))
    _emit(rad, s, {"windows": windows, "lamps": 12.0, "tail_lights": 2.5, "head_lights": 12.0})
    rad += light.sky_image(s, sky)
    rad = weather.bloom(rad, 1.0, 0.35, max(4, s.rays.height // 12))
    exposure = float(rng_scene.uniform(1.2, 1.7))
    img = weather.encode_noisy(rad, exposure, rng_frame, photons=float(rng_scene.uniform(300, 800)), read=0.008)
    return Shaded(img, {"radiance": rad, "exposure": exposure})


_OVERCAST = light.Sky(horizon=(0.78, 0.80, 0.83), zenith=(0.95, 0.96, 0.98))


def _overcast(s: Surface, sky: light.Sky, brightness: float, car_lights: float) -> np.ndarray:
    """Diffuse light from a grey sky: no sun, soft shading by how much a surface faces up."""
    sky_rgb = np.array(sky.zenith, np.float32) * brightness * 0.85
    irr = light.ambient(s, sky_rgb, sky_rgb * 0.25)
    rad = s.albedo * irr + light.glossy_sky(s, sky) * brightness
    _emit(rad, s, {"tail_lights": car_lights, "head_lights": car_lights * 2.5})
    return rad


def shade_fog(
    scene: w.Scene, s: Surface, pose: np.ndarray, depth: np.ndarray, rng_scene: Rng, rng_frame: Rng
) -> Shaded:
    """Fog: Koschmieder's law on the true depth, I = J t + A (1 - t), t = exp(-beta d); sky = airlight."""
    brightness = float(rng_scene.uniform(0.8, 1.05))
    clean = _overcast(s, _OVERCAST, brightness, car_lights=1.5)
    visibility = float(rng_scene.uniform(35.0, 150.0))
    beta = 3.912 / visibility  # meteorological optical range: 2 % contrast left at `visibility`
    airlight = tuple(float(c * brightness) for c in (0.80, 0.82, 0.85))
    t = weather.transmission(depth, beta, sky_value=0.0)
    rad = weather.koschmieder(clean, t, airlight)
    exposure = 1.3
    parts = {"clean": clean, "transmission": t, "airlight": np.array(airlight, np.float32), "beta": beta}
    parts.update(exposure=exposure, radiance=rad)
    return Shaded(weather.encode(rad, exposure), parts)


def shade_rain(
    scene: w.Scene, s: Surface, pose: np.ndarray, depth: np.ndarray, rng_scene: Rng, rng_frame: Rng
) -> Shaded:
    """Rain: dark overcast, wet and mirror-like road with puddles, streaks, drops on the lens."""
    brightness = float(rng_scene.uniform(0.5, 0.75))
    sky = light.Sky(
        horizon=(0.62, 0.64, 0.67),
        zenith=(0.72, 0.74, 0.77),
        clouds=0.6,
        cloud_rgb=(0.5, 0.52, 0.55),
        offset=scene.tex_offset,
    )
    road = s.material == w.ROAD
    ground = road | ((s.material == w.SIDEWALK) & (s.up > 0.5))
    px, _, pz = s.position
    ox, oz = scene.tex_offset
    puddles = np.zeros_like(px)
    on_road = np.flatnonzero(road)
    x, z = px.ravel()[on_road], pz.ravel()[on_road]
    puddles.ravel()[on_road] = np.clip((noise(x * 0.25 + ox, z * 0.12 + oz) - 0.15) * 4.0, 0.0, 1.0)
    darken = np.where(ground, np.float32(0.5) - 0.3 * puddles, np.float32(1.0))
    s_wet = _with_albedo(s, s.albedo * darken)
    rad = _overcast(s_wet, sky, brightness, car_lights=3.0)
    lit_sky = light.sky_image(s, sky) * brightness
    r = s.rays
    cos = (r.dy / np.sqrt(1.0 + r.dy * r.dy))[:, None]  # ground normal vs ray, ignoring the tiny x tilt
    fresnel = 0.03 + 0.97 * light.schlick(cos)
    wetness = np.where(ground, (0.25 + 0.6 * puddles) + (1 - 0.25 - 0.6 * puddles) * fresnel * 0.6, 0.0)
    wetness = wetness.astype(np.float32, copy=False)
    rad += light.wet_reflection(s, rad + lit_sky, wetness, blur=max(2, r.height // 40))
    beta = float(rng_scene.uniform(0.006, 0.016))
    t = weather.transmission(depth, beta, sky_value=1.0)
    airlight = np.array(sky.horizon, np.float32) * brightness
    rad = weather.koschmieder(rad, t, airlight) + lit_sky
    cover = weather.rain_streaks(
        depth, r.fy, rng_frame, density=float(rng_scene.uniform(0.4, 1.0)), slant=float(rng_scene.uniform(-0.25, 0.25))
    )
    rad += cover * (airlight[:, None, None] * 1.5 - rad)
    # drops cling to the lens: the same ones in every frame of a drive
    drops = np.random.Generator(np.random.PCG64(np.random.SeedSequence([scene.seed, 200])))
    rad = weather.lens_drops(rad, drops, int(drops.integers(0, 6)))
    exposure = float(rng_scene.uniform(1.5, 1.9))
    img = weather.encode_noisy(rad, exposure, rng_frame, photons=1500.0, read=0.004)
    return Shaded(img, {"radiance": rad, "exposure": exposure})


def shade_snow(
    scene: w.Scene, s: Surface, pose: np.ndarray, depth: np.ndarray, rng_scene: Rng, rng_frame: Rng
) -> Shaded:
    """Snow: white cover on horizontal surfaces with dark wheel tracks, flakes, bright haze."""
    brightness = float(rng_scene.uniform(0.85, 1.05))
    level = float(rng_scene.uniform(0.5, 1.0))
    px, _, pz = s.position
    albedo = weather.snow_albedo(s.albedo, s.up, s.material == w.ROAD, px, pz, scene.street, level)
    # snow sits on the top of foliage too
    on_leaves = (s.material == w.FOLIAGE) * np.clip((-s.normal[1] - 0.1) * 2.5, 0.0, 0.7)
    albedo = albedo + on_leaves * (np.float32(0.85) - albedo)
    sky = light.Sky(horizon=(0.84, 0.85, 0.88), zenith=(0.9, 0.91, 0.93))
    rad = _overcast(_with_albedo(s, albedo), sky, brightness, car_lights=1.5)
    beta = float(rng_scene.uniform(0.008, 0.03))
    t = weather.transmission(depth, beta, sky_value=0.0)
    airlight = np.array(sky.horizon, np.float32) * brightness
    rad = weather.koschmieder(rad, t, airlight)
    cover = weather.snowflakes(depth, s.rays.fy, rng_frame, density=float(rng_scene.uniform(0.25, 0.6)))
    rad += cover * (airlight[:, None, None] * 1.25 - rad)
    exposure = float(rng_scene.uniform(1.1, 1.35))
    return Shaded(weather.encode(rad, exposure), {"radiance": rad, "exposure": exposure})


def _with_albedo(s: Surface, albedo: np.ndarray) -> Surface:
    return replace(s, albedo=albedo.astype(np.float32, copy=False))


SHADERS = {
    "day": shade_day,
    "night": shade_night,
    "rain": shade_rain,
    "fog": shade_fog,
    "snow": shade_snow,
}
