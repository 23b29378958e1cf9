"""Light transport for the synth world: sky, sun with shadows, lamps, headlights, reflections.

Everything works on linear radiance, channel-first (3, H, W) float32. Units are arbitrary
but shared by all conditions, so exposure alone decides how bright an image looks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from udebench.data.synth import world as w
from udebench.data.synth.raycast import screen_rects
from udebench.data.synth.surfaces import Surface, gather, scatter
from udebench.data.synth.textures import noise


@dataclass(frozen=True)
class Sky:
    """A simple analytic sky: a horizon-to-zenith gradient, optional clouds and sun glow."""

    horizon: tuple[float, float, float]
    zenith: tuple[float, float, float]
    clouds: float = 0.0  # cover 0..1
    cloud_rgb: tuple[float, float, float] = (1.0, 1.0, 1.0)
    sun_dir: tuple[float, float, float] | None = None  # unit vector toward the sun
    sun_glow: tuple[float, float, float] = (0.0, 0.0, 0.0)
    offset: tuple[float, float] = (0.0, 0.0)


def positive(x: np.ndarray) -> np.ndarray:
    """max(x, 0); np.clip with a finite bound is several times faster than np.maximum here."""
    return np.clip(x, 0.0, 3e38)


def schlick(cos: np.ndarray) -> np.ndarray:
    """(1 - cos)^5, the angular part of Schlick's Fresnel approximation, by multiplications."""
    m = 1.0 - cos
    m2 = m * m
    return m2 * m2 * m


def sky_radiance(sky: Sky, dx: np.ndarray, dy: np.ndarray, dz: np.ndarray) -> np.ndarray:
    """Radiance (3, ...) of the sky seen along unnormalised directions (dx, dy, dz)."""
    flat = np.sqrt(dx * dx + dz * dz)
    elev = -dy / flat  # tan(elevation), positive above the horizon
    g = np.clip(elev / 0.45, 0.0, 1.0)
    g = g * (2.0 - g)  # eases into the zenith colour
    horizon = np.array(sky.horizon, np.float32).reshape(3, *([1] * g.ndim))
    zenith = np.array(sky.zenith, np.float32).reshape(3, *([1] * g.ndim))
    rgb = horizon + g * (zenith - horizon)
    if sky.clouds > 0:
        e = positive(elev) + 0.06
        cx = dx / flat / e
        cz = 1.0 / e
        n = noise(cx * 1.2 + sky.offset[0], cz * 0.6 + sky.offset[1]) + 0.5 * noise(cx * 3.1, cz * 1.7 + sky.offset[0])
        cover = np.clip((n + 1.6 * sky.clouds - 0.9) * 2.0, 0.0, 1.0) * np.clip(elev * 20.0, 0.0, 1.0)
        cloud = np.array(sky.cloud_rgb, np.float32).reshape(3, *([1] * g.ndim)) * (0.85 + 0.15 * n)
        rgb = rgb + cover * (cloud - rgb)
    if sky.sun_dir is not None:
        length = np.sqrt(flat * flat + dy * dy)
        cos = (dx * sky.sun_dir[0] + dy * sky.sun_dir[1] + dz * sky.sun_dir[2]) / length
        glow = positive(cos)
        glow *= glow
        glow *= glow
        glow *= glow  # cos^8
        rgb = rgb + glow * np.array(sky.sun_glow, np.float32).reshape(3, *([1] * g.ndim))
    return rgb.astype(np.float32, copy=False)


def sky_image(s: Surface, sky: Sky) -> np.ndarray:
    """Sky radiance for the sky pixels of the frame (zeros elsewhere), (3, H, W)."""
    out = np.zeros_like(s.albedo)
    idx = np.flatnonzero(s.sky)
    if idx.size:
        r = s.rays
        v, u = np.divmod(idx, r.width)
        scatter(out, idx, sky_radiance(sky, r.dx[u], r.dy[v], r.dz[u]))
    return out


def ambient(s: Surface, sky_rgb, ground_rgb) -> np.ndarray:
    """Irradiance from a uniform sky dome and the ground below it, by how much a surface faces up."""
    sky_rgb = np.asarray(sky_rgb, np.float32)
    ground_rgb = np.asarray(ground_rgb, np.float32)
    mean = (0.5 * (sky_rgb + ground_rgb))[:, None, None]
    slope = (0.5 * (sky_rgb - ground_rgb))[:, None, None]
    return mean + slope * s.up


class _Grid:
    """Surface positions and normals on every ``step``-th pixel, for smooth lighting terms.

    Sunlight visibility, lamps and headlights vary slowly across a surface, so they are
    computed on a coarser grid and interpolated back (:meth:`upsample`); edges come out one
    pixel soft, like a penumbra. Samples sit on full-resolution pixels (2i, 2j).
    """

    def __init__(self, s: Surface, step: int = 2) -> None:
        self.step = step
        self.shape = s.gb.depth.shape
        sub = (slice(None), slice(None, None, step), slice(None, None, step))
        self.position = np.ascontiguousarray(s.position[sub])
        self.normal = np.ascontiguousarray(s.normal[sub])
        self.rays = s.rays

    def rects(self, lo: np.ndarray, hi: np.ndarray):
        """``screen_rects`` of boxes [lo, hi] in grid coordinates."""
        st = self.step
        for k, r0, r1, c0, c1 in screen_rects(lo, hi, self.rays):
            r0, r1, c0, c1 = -(-r0 // st), -(-r1 // st), -(-c0 // st), -(-c1 // st)
            if r0 < r1 and c0 < c1:
                yield k, r0, r1, c0, c1

    def upsample(self, img: np.ndarray) -> np.ndarray:
        """Linear interpolation of a grid image (..., h, w) back to full resolution."""
        out = img
        for axis, n in ((-1, self.shape[1]), (-2, self.shape[0])):
            out = _upsample_axis(out, axis, n, self.step)
        return out


def _upsample_axis(img: np.ndarray, axis: int, n: int, step: int) -> np.ndarray:
    """``n`` samples along ``axis`` at positions i / step, each ``a + frac * (b - a)`` of its two neighbours.

    For step 2 (every grid in use) the even samples sit on a grid point (frac 0: the point's value) and
    the odd ones halfway (frac 0.5): written with slices rather than gathers, the same numbers faster.
    """
    size = img.shape[axis]
    if step != 2:
        pos = np.arange(n, dtype=np.float32) / step
        i0 = np.minimum(pos.astype(np.int64), size - 1)
        i1 = np.minimum(i0 + 1, size - 1)
        frac = (pos - i0).astype(np.float32)
        shape = [1] * img.ndim
        shape[axis] = n
        a, b = np.take(img, i0, axis=axis), np.take(img, i1, axis=axis)
        return a + frac.reshape(shape) * (b - a)
    axis %= img.ndim

    def along(sl: slice) -> tuple[slice, ...]:
        return (slice(None),) * axis + (sl,)

    out = np.empty(img.shape[:axis] + (n,) + img.shape[axis + 1 :], np.result_type(img.dtype, np.float32))
    n_odd = n // 2
    out[along(slice(0, None, 2))] = img[along(slice(0, (n + 1) // 2))]
    a = img[along(slice(0, n_odd))]
    b = img[along(slice(1, n_odd + 1))]
    if b.shape[axis] < n_odd:  # the last odd sample lies past the last grid point: both neighbours are it
        b = np.concatenate([b, img[along(slice(size - 1, size))]], axis=axis)
    odd = out[along(slice(1, None, 2))]
    np.subtract(b, a, out=odd)
    odd *= np.float32(0.5)
    odd += a
    return out


def sun_light(s: Surface, scene: w.Scene, sun_dir: np.ndarray, sun_rgb) -> np.ndarray:
    """Direct sunlight (3, H, W): Lambert times a shadow ray against buildings, cars and trees."""
    n = s.normal
    cos = positive(n[0] * sun_dir[0] + n[1] * sun_dir[1] + n[2] * sun_dir[2])
    grid = _Grid(s)
    lit = cos * grid.upsample(_sun_visibility(grid, scene, sun_dir))
    return np.asarray(sun_rgb, np.float32)[:, None, None] * lit


_OCCLUDERS = (w.BUILDING, w.CAR_BODY, w.CAR_CABIN, w.POLE, w.TRUNK)


def _occluders(scene: w.Scene) -> tuple[np.ndarray, np.ndarray]:
    """Boxes that cast sun shadows: buildings, cars, and poles and trunks as thin boxes."""
    boxes = np.flatnonzero(np.isin(scene.material[1 : 1 + scene.n_boxes], _OCCLUDERS))
    lo, hi = scene.box_lo[boxes], scene.box_hi[boxes]
    cyl = np.flatnonzero(np.isin(scene.material[scene.first_cylinder : scene.first_sphere], _OCCLUDERS))
    if cyl.size:
        r = scene.cyl_r[cyl]
        xz = scene.cyl_xz[cyl]
        c_lo = np.stack([xz[:, 0] - r, scene.cyl_y[cyl, 0], xz[:, 1] - r], axis=1)
        c_hi = np.stack([xz[:, 0] + r, scene.cyl_y[cyl, 1], xz[:, 1] + r], axis=1)
        lo, hi = np.concatenate([lo, c_lo]), np.concatenate([hi, c_hi])
    return lo, hi


def _sun_visibility(grid: _Grid, scene: w.Scene, L: np.ndarray) -> np.ndarray:
    """1 where a surface point sees the sun, 0 where a box or tree crown is in the way.

    A point P is shadowed by a box when the ray P + sL (s > 0) crosses it: the slab test with
    a fixed direction, so P * (1/L) is computed once and each slab is one subtraction.
    """
    vis = np.ones(grid.position.shape[1:], np.float32)
    lo, hi = _occluders(scene)
    n_box = len(lo)
    sph_lo = scene.sph_c - scene.sph_r[:, None]
    sph_hi = scene.sph_c + scene.sph_r[:, None]
    all_lo, all_hi = np.concatenate([lo, sph_lo]), np.concatenate([hi, sph_hi])
    # The shadow volume of each occluder: the occluder swept away from the sun to the ground.
    reach = np.maximum(-all_lo[:, 1] / max(-float(L[1]), 0.05), 0.0)[:, None]
    shift = -L[None, :].astype(np.float32) * reach
    vol_lo = np.minimum(all_lo, all_lo + shift)
    vol_hi = np.maximum(all_hi, all_hi + shift)
    vol_hi[:, 1] = 0.0
    L = np.where(np.abs(L) < 1e-6, 1e-6, L).astype(np.float32)
    inv = 1.0 / L
    scaled = [grid.position[a] * inv[a] for a in range(3)]  # P / L per axis
    # with 1/L > 0 a slab is entered at lo and left at hi; with 1/L < 0 the other way round
    near_lo = inv > 0
    eps = np.float32(0.02)
    px, py, pz = grid.position
    for k, r0, r1, c0, c1 in grid.rects(vol_lo, vol_hi):
        sl = (slice(r0, r1), slice(c0, c1))
        if k < n_box:
            t_near = t_far = None
            for a in range(3):
                p_over_l = scaled[a][sl]
                enter = (all_lo if near_lo[a] else all_hi)[k, a] * inv[a] - p_over_l
                leave = (all_hi if near_lo[a] else all_lo)[k, a] * inv[a] - p_over_l
                t_near = enter if t_near is None else np.maximum(t_near, enter, out=t_near)
                t_far = leave if t_far is None else np.minimum(t_far, leave, out=t_far)
            blocked = (t_near <= t_far) & (t_far > eps)
        else:
            j = k - n_box
            c = scene.sph_c[j]
            rx, ry, rz = px[sl] - c[0], py[sl] - c[1], pz[sl] - c[2]
            half_b = rx * L[0] + ry * L[1] + rz * L[2]
            cc = rx * rx + ry * ry + rz * rz - scene.sph_r[j] ** 2
            disc = half_b * half_b - cc
            blocked = (disc > 0) & (np.sqrt(np.maximum(disc, 0)) - half_b > eps)
        np.copyto(vis[sl], 0.0, where=blocked)
    return vis


def point_lights(
    s: Surface, positions: np.ndarray, colours: np.ndarray, power: float, reach: float, corridor: float = np.inf
) -> np.ndarray:
    """Street lamps: downward cones with inverse-square falloff, each only within ``reach`` metres.

    ``corridor``: half width of the street between the facades; light beyond it is not computed
    (walls would block it).
    """
    if len(positions) == 0:
        return np.zeros_like(s.albedo)
    lo = positions - reach
    hi = positions + reach
    lo[:, 1] = positions[:, 1]  # lamps light downwards only
    hi[:, 1] = 0.0
    lo[:, 0] = np.maximum(lo[:, 0], -corridor)
    hi[:, 0] = np.minimum(hi[:, 0], corridor)
    grid = _Grid(s)
    px, py, pz = grid.position
    inv_r2 = np.float32(1.0 / reach**2)
    power = np.float32(power)
    palette, which = np.unique(colours, axis=0, return_inverse=True)
    which = which.ravel()
    # Sum each lamp's light vector l * I / d^3 on the coarse grid (smooth: it depends on position
    # only), then dot it with full-resolution normals, so edges between faces stay sharp. Lamps
    # hang in front of every facade and above the ground, so their vectors rarely cancel.
    field = np.zeros((len(palette), 3) + px.shape, np.float32)
    for k, r0, r1, c0, c1 in grid.rects(lo, hi):
        sl = (slice(r0, r1), slice(c0, c1))
        lx = positions[k, 0] - px[sl]
        ly = positions[k, 1] - py[sl]
        lz = positions[k, 2] - pz[sl]
        d2 = lx * lx + ly * ly + lz * lz + np.float32(0.3)
        inv_d = np.float32(1.0) / np.sqrt(d2)
        down = positive(-ly * inv_d)  # a downward cone: cos^3 of the angle from the vertical
        down *= down * down
        window = positive(1.0 - d2 * inv_r2)
        scale = power * down * (window * window) * (inv_d * inv_d * inv_d)
        f = field[which[k]]
        f[0][sl] += scale * lx
        f[1][sl] += scale * ly
        f[2][sl] += scale * lz
    out = np.zeros_like(s.albedo)
    nx, ny, nz = s.normal
    for g, colour in enumerate(palette):
        fx, fy, fz = grid.upsample(field[g])
        out += colour.astype(np.float32)[:, None, None] * positive(nx * fx + ny * fy + nz * fz)
    return out


def headlights(s: Surface, pose: np.ndarray, power: float) -> np.ndarray:
    """The ego car's low beams: a wide cone in front of the camera with a sharp upper cut-off."""
    grid = _Grid(s)
    rot = pose[:3, :3].astype(np.float32)
    lamp = (pose[:3, :3] @ np.array([0.0, 0.85, 0.4]) + pose[:3, 3]).astype(np.float32)
    px, py, pz = grid.position
    wx, wy, wz = lamp[0] - px, lamp[1] - py, lamp[2] - pz  # surface -> lamp, world
    # the beam's frame is the camera's: project (point - lamp) on camera axes
    cx = -(rot[0, 0] * wx + rot[1, 0] * wy + rot[2, 0] * wz)
    cy = -(rot[0, 1] * wx + rot[1, 1] * wy + rot[2, 1] * wz)
    cz = -(rot[0, 2] * wx + rot[1, 2] * wy + rot[2, 2] * wz)
    ahead = np.maximum(cz, 0.3)
    spread = np.exp(-(((cx / ahead) / 0.32) ** 2))
    cutoff = np.clip((cy / ahead + 0.012) / 0.02, 0.0, 1.0)
    d2 = wx * wx + wy * wy + wz * wz + np.float32(0.5)
    inv_d = 1.0 / np.sqrt(d2)
    scale = (power * spread * cutoff * (cz > 0)) * (inv_d * inv_d * inv_d)
    # the light vector is smooth: interpolate it, then dot with full-resolution normals
    fx, fy, fz = grid.upsample(np.stack([scale * wx, scale * wy, scale * wz]))
    nx, ny, nz = s.normal
    e = positive(nx * fx + ny * fy + nz * fz)
    return np.array([1.0, 0.96, 0.88], np.float32)[:, None, None] * e


def glossy_sky(s: Surface, sky: Sky) -> np.ndarray:
    """Mirror reflection of the sky gradient in glass and paint, weighted by each pixel's gloss.

    A mirror keeps a ray's horizontal direction: a vertical pane sends it on at the same
    elevation, an upward-facing one flips it upwards, so the reflected sky depends only on
    the view elevation. Rays reflected downwards see the horizon colour. No clouds or sun.
    """
    r = s.rays
    out = np.zeros_like(s.albedo)
    idx = np.flatnonzero(s.gloss)  # the rest reflects nothing: their zeros are already there
    if idx.size == 0:
        return out
    v, u = np.divmod(idx, r.width)
    tan_elev = -r.dy[v] / np.sqrt(r.dx * r.dx + r.dz * r.dz)[u]
    tan_elev = np.where(np.take(s.up.ravel(), idx) > 0.5, -tan_elev, tan_elev)
    g = np.clip(tan_elev / 0.45, 0.0, 1.0)
    g *= 2.0 - g
    weight = np.take(s.gloss.ravel(), idx) * (0.35 + 0.65 * schlick(np.take(s.cos_view.ravel(), idx)))
    horizon = np.array(sky.horizon, np.float32)[:, None]
    zenith = np.array(sky.zenith, np.float32)[:, None]
    scatter(out, idx, (horizon + g * (zenith - horizon)) * weight)
    return out


def wet_reflection(s: Surface, radiance: np.ndarray, wetness: np.ndarray, blur: int) -> np.ndarray:
    """Reflection in a wet ground, in screen space: mirror each column about the base of what stands on it.

    For a vertical surface standing on the ground, the mirror image of a point at row v is at
    row 2b - 1 - v, where b is the row at which it meets the ground. ``wetness`` (H, W) is the
    Fresnel-weighted reflectance of each pixel; the result is blurred along the column, as
    rough wet asphalt smears reflections into vertical streaks.
    """
    h, wd = s.gb.depth.shape
    ground = (s.material == w.ROAD) | (s.material == w.SIDEWALK)
    rows = np.arange(h, dtype=np.int32)[:, None]
    last_standing = np.maximum.accumulate(np.where(ground, -1, rows), axis=0)
    idx = np.flatnonzero(wetness > 0)
    v, u = np.divmod(idx, wd)
    mirror = np.clip(2 * last_standing.ravel()[idx] + 1 - v, 0, h - 1)
    # blurring the source along columns before mirroring is the same as blurring the reflection
    source = box_blur(radiance, blur, 0) if blur > 0 else radiance
    out = np.zeros_like(radiance)
    scatter(out, idx, gather(source, mirror * wd + u) * wetness.ravel()[idx])
    return out


def box_blur(img: np.ndarray, ry: int, rx: int) -> np.ndarray:
    """Separable box blur of a (C, H, W) image with half-sizes (ry, rx), edges clamped.

    Sums shifted slices rather than using cumsum, which is several times slower in numpy for
    the small radii used here.
    """
    out = img
    for axis, r in ((1, ry), (2, rx)):
        if r < 1:
            continue
        pad = [(0, 0)] * 3
        pad[axis] = (r, r)
        padded = np.pad(out, pad, mode="edge")
        n = out.shape[axis]
        acc = np.zeros_like(out)
        for k in range(2 * r + 1):
            window = [slice(None)] * 3
            window[axis] = slice(k, k + n)
            acc += padded[tuple(window)]
        acc *= np.float32(1.0 / (2 * r + 1))
        out = acc
    return out


def downsample(img: np.ndarray, factor: int) -> np.ndarray:
    """Mean over factor x factor blocks of a (C, H, W) image (edges cropped to a multiple)."""
    c, h, w = img.shape
    img = img[:, : h // factor * factor, : w // factor * factor]
    rows = img[:, 0::factor]
    for k in range(1, factor):  # strided sums: much faster than a reshaped mean
        rows = rows + img[:, k::factor]
    out = rows[:, :, 0::factor]
    for k in range(1, factor):
        out = out + rows[:, :, k::factor]
    return out * np.float32(1.0 / (factor * factor))


def upsample_linear(img: np.ndarray, factor: int, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear enlargement of a (C, h, w) image of block means to (C, *shape): smooth glows."""
    out = img
    for axis, n in ((2, shape[1]), (1, shape[0])):
        size = out.shape[axis]
        pos = np.clip((np.arange(n, dtype=np.float32) + 0.5) / factor - 0.5, 0, size - 1)
        i0 = np.minimum(pos.astype(np.int64), size - 1)
        i1 = np.minimum(i0 + 1, size - 1)
        w = (pos - i0).astype(np.float32)
        a, b = np.take(out, i0, axis=axis), np.take(out, i1, axis=axis)
        w = w.reshape((1, -1, 1) if axis == 1 else (1, 1, -1))
        out = a + w * (b - a)
    return out
