"""What each visible pixel is made of: position, normal, albedo, gloss and light emitters.

This is the condition-independent half of shading (a G-buffer): the lighting modules turn
it into radiance for day, night, rain, fog or snow. Textures are procedural and filtered
over each pixel's footprint so that the far street stays calm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from udebench.data.synth import world as w
from udebench.data.synth.camera import Rays
from udebench.data.synth.raycast import FACE_CYLINDER, FACE_NORMALS, FACE_SPHERE, SKY, GBuffer
from udebench.data.synth.textures import band, hash01, noise, stripes

_NORMALS_BY_FACE = np.concatenate([FACE_NORMALS, np.zeros((2, 3), np.float32)]).T.copy()  # (3, 8)
WINDOW_LIGHT = np.array([1.0, 0.72, 0.42], np.float32)
TAIL_LIGHT = np.array([1.0, 0.05, 0.02], np.float32)
HEAD_LIGHT = np.array([1.0, 0.95, 0.85], np.float32)


@dataclass
class Surface:
    """A G-buffer: per-pixel geometry and material, channel-first (3, H, W) where coloured."""

    gb: GBuffer
    rays: Rays
    material: np.ndarray  # (H, W) int8, -1 for sky
    position: np.ndarray  # (3, H, W) float32 world position (0 for sky)
    normal: np.ndarray  # (3, H, W) float32 unit outward normal (0 for sky)
    albedo: np.ndarray  # (3, H, W) float32
    gloss: np.ndarray  # (H, W) float32 mirror reflectance of glass and paint
    #: |cos| of the angle between each surface normal and the viewing ray (H, W)
    cos_view: np.ndarray | None = None
    #: light sources seen directly: name -> (flat pixel indices, (n, 3) radiance at intensity 1),
    #: or a function returning that, so lights only some conditions use cost nothing elsewhere
    emitters: dict[str, Any] = field(default_factory=dict)

    def emitter(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The pixels and radiance of emitter ``name``, or None if the frame has none."""
        value = self.emitters.get(name)
        if callable(value):
            value = self.emitters[name] = value()
        return value

    @property
    def sky(self) -> np.ndarray:
        return self.gb.obj == SKY

    @cached_property
    def up(self) -> np.ndarray:
        """How much each surface faces the sky (1 for roads and roofs, 0 for walls)."""
        return np.clip(-self.normal[1], 0.0, 1.0)


class _Pixels:
    """The pixels of one material, as flat arrays gathered on first use."""

    def __init__(self, frame: _Frame, idx: np.ndarray) -> None:
        self._frame = frame
        self.idx = idx

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_"):
            raise AttributeError(name)
        value = np.take(getattr(self._frame, name).ravel(), self.idx)
        setattr(self, name, value)
        return value

    def along(self) -> np.ndarray:
        """Horizontal coordinate along a vertical face: z on x-facing walls, x on z-facing ones."""
        return np.where(self.face < 2, self.z, self.x)

    def per_object(self, table: np.ndarray) -> np.ndarray:
        """Gather a (C, N) per-object table for these pixels: (C, n)."""
        return np.take(table, self.obj, axis=1)


class _Frame:
    """Full-frame per-pixel quantities the painters gather from."""

    def __init__(self, s: Surface, depth: np.ndarray) -> None:
        gb, r = s.gb, s.rays
        self.t = gb.depth
        self.obj = gb.obj
        self.face = gb.face
        self.x, self.y, self.z = s.position
        #: metres across one pixel, perpendicular to the ray
        self.lateral = depth / np.float32(0.5 * (r.fx + r.fy))
        #: metres of surface covered by one pixel (grows with distance and grazing angle)
        self.footprint = self.lateral / np.maximum(s.cos_view, np.float32(0.03))


def describe(scene: w.Scene, rays: Rays, gb: GBuffer, depth: np.ndarray | None = None) -> Surface:
    """Build the G-buffer for what the camera sees; ``depth`` is ``z_depth(gb)`` if the caller has it."""
    h, wd = gb.depth.shape
    sky = gb.obj == SKY
    material = np.take(np.concatenate([np.array([-1], np.int8), scene.material]), gb.obj.astype(np.intp) + 1)
    if depth is None:
        depth = np.where(sky, np.float32(0), gb.depth)
    o = rays.origin
    position = np.empty((3, h, wd), np.float32)
    np.multiply(depth, rays.dx[None, :], out=position[0])
    position[0] += o[0]
    np.multiply(depth, rays.dy[:, None], out=position[1])
    position[1] += o[1]
    np.multiply(depth, rays.dz[None, :], out=position[2])
    position[2] += o[2]
    normal = np.take(_NORMALS_BY_FACE, np.where(sky, 6, gb.face).astype(np.intp), axis=1)
    s = Surface(
        gb=gb,
        rays=rays,
        material=material,
        position=position,
        normal=normal,
        albedo=np.zeros((3, h, wd), np.float32),
        gloss=np.zeros((h, wd), np.float32),
    )
    _curved_normals(scene, s)
    nx, ny, nz = s.normal
    s.cos_view = np.abs(nx * rays.dx[None, :] + nz * rays.dz[None, :] + ny * rays.dy[:, None]) / np.sqrt(rays.norm2)
    frame = _Frame(s, depth)
    flat_material = material.ravel()
    for mat in range(len(_PAINTERS)):
        idx = np.flatnonzero(flat_material == mat)  # ascending, like a stable sort's run of this material
        if idx.size:
            _PAINTERS[mat](scene, s, _Pixels(frame, idx))
    return s


def _curved_normals(scene: w.Scene, s: Surface) -> None:
    face = s.gb.face.ravel()
    nrm = s.normal.reshape(3, -1)
    pos = s.position.reshape(3, -1)
    obj = s.gb.obj.ravel()
    idx = np.flatnonzero(face == FACE_CYLINDER)
    if idx.size:
        k = obj[idx] - scene.first_cylinder
        r = scene.cyl_r[k]
        nrm[0, idx] = (pos[0, idx] - scene.cyl_xz[k, 0]) / r
        nrm[1, idx] = 0.0
        nrm[2, idx] = (pos[2, idx] - scene.cyl_xz[k, 1]) / r
    idx = np.flatnonzero(face == FACE_SPHERE)
    if idx.size:
        k = obj[idx] - scene.first_sphere
        inv_r = 1.0 / scene.sph_r[k]
        for axis in range(3):
            nrm[axis, idx] = (pos[axis, idx] - scene.sph_c[k, axis]) * inv_r


def gather(image: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Pixels ``idx`` (flat indices) of a channel-first (C, H, W) image: (C, n)."""
    return np.take(image.reshape(image.shape[0], -1), idx, axis=1)


def scatter(image: np.ndarray, idx: np.ndarray, values: np.ndarray, add: bool = False) -> None:
    """Write (or add) (C, n) ``values`` into pixels ``idx`` of a (C, H, W) image, in place."""
    flat = image.reshape(image.shape[0], -1)
    values = np.broadcast_to(values, (flat.shape[0], len(idx)))
    for c in range(flat.shape[0]):
        channel = flat[c]  # a 1-D view: its fancy assignment is ~2.5x faster than flat[c, idx]'s
        if add:
            channel[idx] += values[c]
        else:
            channel[idx] = values[c]


def _put(s: Surface, p: _Pixels, rgb: np.ndarray) -> None:
    scatter(s.albedo, p.idx, rgb)


def _road(scene: w.Scene, s: Surface, p: _Pixels) -> None:
    st = scene.street
    ox, oz = scene.tex_offset
    fade = 1.0 / (1.0 + 3.0 * p.footprint)
    grain = noise(p.x * 3.0 + ox, p.z * 3.0 + oz)  # fractal: fine grain and wide patches at once
    shade = 1.0 + 0.35 * grain * (0.4 + 0.6 * fade)
    # wheel paths are polished darker in every lane
    lane_pos = (p.x + np.float32(st.n_lanes * st.lane_width / 2)) * np.float32(1 / st.lane_width)
    in_lane = np.abs(lane_pos - np.floor(lane_pos) - 0.5)
    shade *= 1.0 - 0.10 * band(in_lane, 0.16, 0.34, p.lateral * np.float32(1 / st.lane_width))
    base = np.array(st.asphalt, np.float32)[:, None] * shade
    paint_rgb = np.float32(0.72)
    for line in st.lines:
        # only pixels whose footprint can touch the line (lines never overlap)
        near = np.flatnonzero(np.abs(p.x - line.x) < line.half_width + p.lateral)
        if near.size == 0:
            continue
        x, lateral = p.x[near], p.lateral[near]
        cover = band(x, line.x - line.half_width, line.x + line.half_width, lateral)
        if line.dashed:
            cover *= stripes(p.z[near], st.dash_period, st.dash_length / st.dash_period, p.footprint[near])
        cover *= 0.85 + 0.15 * grain[near]  # worn paint
        base[:, near] += cover * (paint_rgb - base[:, near])
    _put(s, p, base)


def _sidewalk(scene: w.Scene, s: Surface, p: _Pixels) -> None:
    st = scene.street
    top = p.face == 2
    ox, oz = scene.tex_offset
    grain = noise(p.x * 2.5 + oz, p.z * 2.5 + ox)
    seam = np.maximum(stripes(p.x, st.tile, 0.04, p.lateral), stripes(p.z, st.tile, 0.04, p.footprint))
    shade = (1.0 + 0.15 * grain) * (1.0 - 0.35 * seam)
    pave = np.array(st.pavement, np.float32)[:, None] * shade
    kerb = np.float32(0.5) * (1.0 + 0.1 * grain)
    _put(s, p, np.where(top, pave, kerb))


def _building(scene: w.Scene, s: Surface, p: _Pixels) -> None:
    floor_h, spacing, fw, fh, shop, lit_prob = p.per_object(scene.param_t)
    colour = p.per_object(scene.colour_t)
    top = -p.per_object(scene.bounds_t[1:2])[0]
    along = p.along()
    hgt = -p.y
    fp = p.footprint
    phase_x = spacing * (1 - fw) * 0.5
    phase_y = floor_h * 0.3
    win = stripes(along, spacing, fw, fp, phase_x)
    win *= stripes(hgt, floor_h, fh, fp, phase_y)
    win *= band(hgt, floor_h, top - 0.8, fp)
    # shop windows: only where the ground-floor band of a shop building has any cover (zero elsewhere)
    ground_floor = band(hgt, 0.45, floor_h * 0.8, fp) * shop
    shop_win = np.zeros_like(ground_floor)
    sel = np.flatnonzero(ground_floor)
    if sel.size:
        along_s, fp_s, spacing_s = np.take(along, sel), np.take(fp, sel), np.take(spacing, sel)
        panes = stripes(along_s, 2 * spacing_s, 0.8, fp_s, spacing_s * 0.2)
        panes *= np.take(ground_floor, sel)
        panes *= 1.0 - 0.8 * stripes(along_s, 1.3, 0.07, fp_s)  # mullions
        shop_win[sel] = panes
    glass = np.maximum(win, shop_win)
    ox, oz = scene.tex_offset
    grime = noise(along * 0.7 + (p.obj * np.float32(37.0) + ox), hgt * 0.7 + oz)
    facade = colour * (1.0 + 0.12 * grime)
    glass_rgb = np.array([0.05, 0.06, 0.075], np.float32)[:, None]
    rgb = facade + glass * (glass_rgb - facade)
    roof = p.face == 2
    if roof.any():
        rgb[:, roof] = np.float32(0.22) * (1.0 + 0.1 * grime[roof])
        glass[roof] = 0.0
    _put(s, p, rgb)
    s.gloss.ravel()[p.idx] = 0.4 * glass

    def lit_windows() -> tuple[np.ndarray, np.ndarray]:
        # a random subset of windows per building; shops are always lit
        bay = np.floor((along - phase_x) / spacing)
        floor = np.floor((hgt - phase_y) / floor_h)
        lit = hash01(bay, floor, p.obj) < (0.1 + 0.45 * lit_prob)
        strength = (0.4 + 0.6 * hash01(floor, bay, p.obj + 7)) * win * lit
        strength += shop_win * (0.25 + 0.2 * grime) * (hgt / floor_h)  # shop interiors: brighter near the ceiling
        keep = strength > 0.01
        return p.idx[keep], strength[keep, None] * WINDOW_LIGHT

    s.emitters["windows"] = lit_windows


def _car_body(scene: w.Scene, s: Surface, p: _Pixels) -> None:
    facing = p.per_object(scene.param_t[:1])[0]
    lo_x, lo_y, _, hi_x, _, _ = p.per_object(scene.bounds_t)
    centre = 0.5 * (lo_x + hi_x)
    half = 0.5 * (hi_x - lo_x)
    lateral = np.abs(p.x - centre)
    hgt = -p.y
    top = np.minimum(-lo_y, 1.15)
    fp = p.footprint
    end = (p.face == 4) | (p.face == 5)
    rear = end & ((p.face == 4) == (facing > 0))
    front = end & ~rear
    lamp = band(hgt, top - 0.3, top - 0.1, fp) * band(lateral, half - 0.4, half - 0.05, fp) * end
    plate = band(hgt, 0.42, 0.56, fp) * band(lateral, -0.26, 0.26, fp) * end
    bumper = band(hgt, 0.3, 0.42, fp) * end
    wheels = band(hgt, -1.0, 0.34, fp)  # tyres and the dark underbody
    rgb = p.per_object(scene.colour_t)
    rgb += np.maximum(bumper, wheels) * (np.float32(0.03) - rgb)
    rgb += plate * (np.float32(0.75) - rgb)
    lamp_rgb = np.where(rear, np.array([0.45, 0.03, 0.03], np.float32)[:, None], np.float32(0.8))
    rgb += lamp * (lamp_rgb - rgb)
    _put(s, p, rgb)
    s.gloss.ravel()[p.idx] = 0.07
    for name, which, colour in (("tail_lights", rear, TAIL_LIGHT), ("head_lights", front, HEAD_LIGHT)):
        keep = (lamp > 0.01) & which
        if keep.any():
            s.emitters[name] = (p.idx[keep], lamp[keep, None] * colour)


def _car_cabin(scene: w.Scene, s: Surface, p: _Pixels) -> None:
    lo_x, lo_y, lo_z, hi_x, hi_y, hi_z = p.per_object(scene.bounds_t)
    fp = p.footprint
    x_facing = p.face < 2
    along = np.where(x_facing, p.z, p.x)
    start = np.where(x_facing, lo_z, lo_x)
    stop = np.where(x_facing, hi_z, hi_x)
    pane = band(along, start + 0.14, stop - 0.14, fp) * band(-p.y, -hi_y + 0.03, -lo_y - 0.07, fp)
    pane[p.face == 2] = 0.0
    body = p.per_object(scene.colour_t)
    glass = np.array([0.025, 0.03, 0.035], np.float32)[:, None]
    _put(s, p, body + pane * (glass - body))
    s.gloss.ravel()[p.idx] = 0.12 + 0.3 * pane


def _flat(colour_scale: float = 1.0, gloss: float = 0.0):
    def paint(scene: w.Scene, s: Surface, p: _Pixels) -> None:
        ox, _ = scene.tex_offset
        grain = noise(p.along() * 2.0 + ox, p.y * 2.0)
        _put(s, p, p.per_object(scene.colour_t) * (colour_scale + 0.12 * grain))
        if gloss:
            s.gloss.ravel()[p.idx] = gloss

    return paint


def _lamp(scene: w.Scene, s: Surface, p: _Pixels) -> None:
    lamp, head_x = p.per_object(scene.param_t[:2])
    glow = (p.face == 3) * band(p.x, head_x - 0.35, head_x + 0.35, p.lateral)  # underside of the head
    _put(s, p, p.per_object(scene.colour_t) + glow * np.float32(0.4))
    keep = glow > 0.01
    if keep.any():
        s.emitters["lamps"] = (p.idx[keep], glow[keep, None] * scene.lamp_colour[lamp[keep].astype(np.int64)])


def _foliage(scene: w.Scene, s: Surface, p: _Pixels) -> None:
    ox, oz = scene.tex_offset
    leaves = noise(p.x * 3.1 + p.z * 1.7 + ox, p.y * 3.3 + oz)
    clumps = noise(p.x * 0.9 - p.z * 0.8, p.y * 0.9 + ox)
    _put(s, p, p.per_object(scene.colour_t) * (0.85 + 0.45 * leaves + 0.3 * clumps))
    # leafy bumps: jitter the sphere normal
    n = gather(s.normal, p.idx) + 0.45 * np.stack([leaves, clumps, leaves - clumps])
    scatter(s.normal, p.idx, n / np.sqrt((n * n).sum(axis=0) + 1e-12))


_PAINTERS = {
    w.ROAD: _road,
    w.SIDEWALK: _sidewalk,
    w.BUILDING: _building,
    w.CAR_BODY: _car_body,
    w.CAR_CABIN: _car_cabin,
    w.POLE: _flat(1.0, 0.1),
    w.LAMP: _lamp,
    w.TRUNK: _flat(1.0),
    w.FOLIAGE: _foliage,
}
assert sorted(_PAINTERS) == list(range(len(_PAINTERS))), "every material id needs a painter"
