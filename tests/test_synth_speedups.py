"""The synth renderer's speed-ups keep every pixel: each fast path against the formula it replaced.

The shipped UDE weights were trained on these pictures, so the renderer may get faster but never
different. Each test below computes the replaced formula (re-typed from the renderer before the
speed-ups) on the same data and asks for bit-equal results; the last test checks whole frames against
hashes recorded with that renderer.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from udebench.data.synth import camera, lighting, textures, weather
from udebench.data.synth import world as w
from udebench.data.synth.conditions import CONDITIONS
from udebench.data.synth.render import render, view
from udebench.data.synth.splits import SynthSplit, seed_for_test
from udebench.data.synth.world import camera_start, sample_scene


def a_view(index: int = 2, height: int = 64, width: int = 200):
    scene = sample_scene(seed_for_test(index))
    return scene, view(scene, camera.camera_pose(*camera_start(scene)), height, width)


def upsample_by_gathers(img: np.ndarray, shape: tuple[int, int], step: int) -> np.ndarray:
    """The grid upsampling as it was: gather both neighbours along each axis, then a + frac (b - a)."""
    out = img
    for axis, n in ((-1, shape[1]), (-2, shape[0])):
        size = out.shape[axis]
        pos = np.arange(n, dtype=np.float32) / step
        i0 = np.minimum(pos.astype(np.int64), size - 1)
        i1 = np.minimum(i0 + 1, size - 1)
        frac = (pos - i0).astype(np.float32)
        reshape = [1] * out.ndim
        reshape[axis] = n
        a, b = np.take(out, i0, axis=axis), np.take(out, i1, axis=axis)
        out = a + frac.reshape(reshape) * (b - a)
    return out


@pytest.mark.parametrize("shape", [(64, 200), (63, 201), (2, 3), (192, 640)])
def test_grid_upsampling_equals_gathering_both_neighbours(shape):
    rng = np.random.default_rng(0)
    grid = rng.normal(size=(3, (shape[0] + 1) // 2, (shape[1] + 1) // 2)).astype(np.float32)
    out = grid
    for axis, n in ((-1, shape[1]), (-2, shape[0])):
        out = lighting._upsample_axis(out, axis, n, 2)
    np.testing.assert_array_equal(out, upsample_by_gathers(grid, shape, 2))


def to_uint8_through_intp(signal: np.ndarray) -> np.ndarray:
    root = np.sqrt(np.clip(signal, 0.0, 1.0))
    root *= np.float32(4095)
    root += np.float32(0.5)
    return np.stack(list(weather._gamma_lut()[root.astype(np.intp)]), axis=-1)


def test_display_encoding_equals_the_intp_lookup_it_replaced():
    signal = np.random.default_rng(1).uniform(-0.2, 1.2, (3, 37, 53)).astype(np.float32)
    signal[0, 0, :4] = [0.0, 1.0, 1e-9, 0.999999]
    np.testing.assert_array_equal(weather._to_uint8(signal), to_uint8_through_intp(signal))


def test_glossy_sky_on_glossy_pixels_equals_the_full_frame_formula():
    _, v = a_view()
    s, r = v.surface, v.surface.rays
    sky = lighting.Sky(horizon=(0.66, 0.78, 0.95), zenith=(0.22, 0.40, 0.85))
    tan_elev = -r.dy[:, None] / np.sqrt(r.dx * r.dx + r.dz * r.dz)[None, :]
    tan_elev = np.where(s.up > 0.5, -tan_elev, tan_elev)
    g = np.clip(tan_elev / 0.45, 0.0, 1.0)
    g *= 2.0 - g
    weight = s.gloss * (0.35 + 0.65 * lighting.schlick(s.cos_view))
    horizon = np.array(sky.horizon, np.float32)[:, None, None]
    zenith = np.array(sky.zenith, np.float32)[:, None, None]
    assert np.count_nonzero(s.gloss) > 0
    np.testing.assert_array_equal(lighting.glossy_sky(s, sky), (horizon + g * (zenith - horizon)) * weight)


def test_snow_on_road_pixels_only_equals_the_full_frame_formula():
    scene, v = a_view()
    s = v.surface
    px, _, pz = s.position
    road = s.material == w.ROAD
    street, level = scene.street, 0.8
    snow = np.array([0.86, 0.88, 0.92], np.float32)[:, None, None]
    cover = np.clip((s.up - 0.55) * 3.0, 0.0, 1.0) * 0.95
    lane = (px + street.n_lanes * street.lane_width / 2) / street.lane_width
    tracks = np.exp(-(((np.abs((lane % 1.0) - 0.5) * street.lane_width - 0.78) / 0.28) ** 2))
    patchy = np.zeros_like(px)
    on_road = np.flatnonzero(road)
    patchy.ravel()[on_road] = 0.5 + 0.5 * textures.noise(px.ravel()[on_road] * 0.7, pz.ravel()[on_road] * 0.35)
    cover = np.where(road, np.clip(level * (1.0 - 0.9 * tracks) * (0.55 + 0.6 * patchy), 0.0, 1.0), cover)
    slush = np.array([0.16, 0.16, 0.17], np.float32)[:, None, None]
    wet_road = np.where(road, slush * 0.7 + s.albedo * 0.3, s.albedo)
    expected = wet_road + cover * (snow - wet_road)
    assert on_road.size > 0
    np.testing.assert_array_equal(weather.snow_albedo(s.albedo, s.up, road, px, pz, street, level), expected)


def test_noise_in_int32_cells_equals_the_intp_version():
    rng = np.random.default_rng(2)
    x = rng.uniform(-3000, 3000, 5000).astype(np.float32)
    y = rng.uniform(-3000, 3000, 5000).astype(np.float32)
    fx, fy = np.floor(x), np.floor(y)
    ax, ay = x - fx, y - fy
    cell = (fy.astype(np.intp) & 255) * 256 + (fx.astype(np.intp) & 255)
    n00, n01, n10, n11 = np.take(textures._corners(), cell, axis=0).T
    top = n00 + ax * (n01 - n00)
    bottom = n10 + ax * (n11 - n10)
    top += ay * (bottom - top)
    np.testing.assert_array_equal(textures.noise(x, y), top)


def test_a_synth_split_frame_is_the_render_of_its_scene_and_pose(monkeypatch):
    monkeypatch.setenv("UDEBENCH_SYNTH_CACHE", "0")
    split = SynthSplit("rain", n_frames=3, height=32, width=96)
    frame = render(split.scene(2), split.pose(2), "rain", 32, 96)
    np.testing.assert_array_equal(split[2]["image"], frame.image)
    np.testing.assert_array_equal(split[2]["depth"], frame.depth)


#: sha256[:16] of image + depth bytes, rendered (frame=1) by the renderer the shipped weights were trained on
RECORDED = {
    "day/0/64x200": "e0f672a41176ac8a", "night/0/64x200": "020519bff5ffc552", "rain/0/64x200": "85042fd74791173e",
    "fog/0/64x200": "a59fbda0735bcdbd", "snow/0/64x200": "2455adcae6eae77d", "day/1/64x200": "af8fc351016a47e7",
    "night/1/64x200": "a281e36ce399c5d5", "rain/1/64x200": "4bd530af63277cda", "fog/1/64x200": "d294b7b207cebcc3",
    "snow/1/64x200": "ed9e6d5415ef652f", "day/2/192x640": "0201e9f93d963376", "night/2/192x640": "f77b5b58cc16edf0",
    "rain/2/192x640": "e2bc69e5656ef84d", "fog/2/192x640": "69a2614e12cab14f", "snow/2/192x640": "ca27996f957c5b3d",
}
#: where the hashes were recorded: numpy's float32 exp/sin/sqrt differ in the last bit between SIMD paths
RECORDED_ON = {"numpy": "2.4", "AVX512F": True}


def test_whole_frames_equal_the_recorded_renderer():
    from numpy._core._multiarray_umath import __cpu_features__

    here = {"numpy": ".".join(np.__version__.split(".")[:2]), "AVX512F": bool(__cpu_features__.get("AVX512F"))}
    if here != RECORDED_ON:
        pytest.skip(f"hashes were recorded with {RECORDED_ON}, this is {here}")
    got = {}
    for height, width, index in ((64, 200, 0), (64, 200, 1), (192, 640, 2)):
        scene = sample_scene(seed_for_test(index))
        for condition in CONDITIONS:
            frame = render(scene, camera.camera_pose(*camera_start(scene)), condition, height, width, frame=1)
            digest = hashlib.sha256(frame.image.tobytes() + frame.depth.tobytes()).hexdigest()[:16]
            got[f"{condition}/{index}/{height}x{width}"] = digest
    assert got == RECORDED
