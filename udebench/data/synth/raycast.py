"""Exact ray casting of a scene: per-pixel z-depth, object id and face.

Every object is a vertical prism (an axis-aligned box or a vertical cylinder) or a sphere.
Because the camera only yaws, a prism's intersection splits into a horizontal part that
depends on the image column only (a 2D ray against the footprint) and a vertical part that
depends on the row only (a slab in y). Both are cheap 1D arrays for all objects at once;
the per-pixel work is one max/min/compare over the object's screen rectangle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from udebench.data.synth.camera import Rays
from udebench.data.synth.world import Scene

NEAR = 0.05
#: face codes: outward normal -x, +x, -y (up), +y (down), -z, +z; then curved surfaces.
FACE_NORMALS = np.array([[-1, 0, 0], [1, 0, 0], [0, -1, 0], [0, 1, 0], [0, 0, -1], [0, 0, 1]], dtype=np.float32)
FACE_CYLINDER = 6
FACE_SPHERE = 7
SKY = -1


@dataclass
class GBuffer:
    """What each pixel sees: ``depth`` (z, metres, inf for sky), object id, face code."""

    depth: np.ndarray  # (H, W) float32
    obj: np.ndarray  # (H, W) int16, SKY = -1, 0 = ground
    face: np.ndarray  # (H, W) int8

    @property
    def sky(self) -> np.ndarray:
        return self.obj == SKY


def _safe_inverse(d: np.ndarray) -> np.ndarray:
    tiny = np.float32(1e-9)
    d = np.where(np.abs(d) < tiny, np.where(d < 0, -tiny, tiny), d)
    return (np.float32(1.0) / d).astype(np.float32, copy=False)


def _prism_columns(scene: Scene, rays: Rays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entry/exit parameter and entry face of every prism footprint, per image column."""
    ox, oz = rays.origin[0], rays.origin[2]
    inv_x = _safe_inverse(rays.dx)[None, :]
    inv_z = _safe_inverse(rays.dz)[None, :]
    t1 = (scene.box_lo[:, 0:1] - ox) * inv_x
    t2 = (scene.box_hi[:, 0:1] - ox) * inv_x
    txn, txf = np.minimum(t1, t2), np.maximum(t1, t2)
    t1 = (scene.box_lo[:, 2:3] - oz) * inv_z
    t2 = (scene.box_hi[:, 2:3] - oz) * inv_z
    tzn, tzf = np.minimum(t1, t2), np.maximum(t1, t2)
    box_in = np.maximum(txn, tzn)
    box_out = np.minimum(txf, tzf)
    x_face = np.where(rays.dx > 0, 0, 1).astype(np.int8)[None, :]
    z_face = np.where(rays.dz > 0, 4, 5).astype(np.int8)[None, :]
    box_face = np.where(txn > tzn, x_face, z_face)

    # Vertical cylinders: a 2D ray against a circle.
    a = (rays.dx * rays.dx + rays.dz * rays.dz)[None, :]
    rel_x = ox - scene.cyl_xz[:, 0:1]
    rel_z = oz - scene.cyl_xz[:, 1:2]
    half_b = rel_x * rays.dx[None, :] + rel_z * rays.dz[None, :]
    c = rel_x * rel_x + rel_z * rel_z - (scene.cyl_r * scene.cyl_r)[:, None]
    disc = half_b * half_b - a * c
    root = np.sqrt(np.maximum(disc, 0))
    miss = disc < 0
    cyl_in = np.where(miss, np.inf, (-half_b - root) / a).astype(np.float32)
    cyl_out = np.where(miss, -np.inf, (-half_b + root) / a).astype(np.float32)
    cyl_face = np.full(cyl_in.shape, 6, dtype=np.int8)

    t_in = np.concatenate([box_in, cyl_in])
    t_out = np.concatenate([box_out, cyl_out])
    face = np.concatenate([box_face, cyl_face])
    return np.maximum(t_in, np.float32(NEAR)), t_out, face


def _slabs_rows(top: np.ndarray, bottom: np.ndarray, rays: Rays) -> tuple[np.ndarray, np.ndarray]:
    """Entry/exit parameter of every y-slab [top, bottom], per image row."""
    inv_y = _safe_inverse(rays.dy)[None, :]
    oy = rays.origin[1]
    t1 = (top[:, None] - oy) * inv_y
    t2 = (bottom[:, None] - oy) * inv_y
    return np.minimum(t1, t2), np.maximum(t1, t2)


def _first_last(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``mask``: whether any is set, the first set index and one past the last."""
    anyv = mask.any(axis=1)
    first = mask.argmax(axis=1)
    last = mask.shape[1] - mask[:, ::-1].argmax(axis=1)
    return anyv, first, last


def _ground(rays: Rays, gb: GBuffer) -> None:
    """The road plane y = 0: depth depends on the row only."""
    oy = float(rays.origin[1])
    with np.errstate(divide="ignore"):
        t = np.where(rays.dy > 0, -oy / np.maximum(rays.dy, 1e-12), np.inf).astype(np.float32)
    gb.depth[:] = t[:, None]
    gb.obj[:] = np.where(np.isfinite(t), 0, SKY).astype(np.int16)[:, None]
    gb.face[:] = 2


def cast(scene: Scene, rays: Rays) -> GBuffer:
    """Ray-cast ``scene`` from a camera: exact z-depth, object id and face for every pixel."""
    h, w = rays.height, rays.width
    gb = GBuffer(depth=np.empty((h, w), np.float32), obj=np.empty((h, w), np.int16), face=np.empty((h, w), np.int8))
    _ground(rays, gb)

    n_prisms = scene.n_boxes + scene.n_cylinders
    if n_prisms:
        t_in, t_out, side_face = _prism_columns(scene, rays)
        top = np.concatenate([scene.box_lo[:, 1], scene.cyl_y[:, 0]])
        bottom = np.concatenate([scene.box_hi[:, 1], scene.cyl_y[:, 1]])
        ty_in, ty_out = _slabs_rows(top, bottom, rays)
        cols = t_in < t_out
        col_any, c0, c1 = _first_last(cols)
        t_min = np.where(cols, t_in, np.inf).min(axis=1)
        t_max = np.where(cols, t_out, -np.inf).max(axis=1)
        rows = (ty_in <= t_max[:, None]) & (ty_out >= t_min[:, None]) & (ty_out > NEAR)
        row_any, r0, r1 = _first_last(rows)
        h_face = np.where(rays.dy > 0, 2, 3).astype(np.int8)[:, None]
        # Prisms on the ground reaching above the camera never show their top or bottom face.
        sides_only = (bottom >= 0) & (top < rays.origin[1])
        visible = np.flatnonzero(col_any & row_any)
        # Nearest first: later, farther objects then fail the depth test over more pixels.
        visible = visible[np.argsort(t_min[visible], kind="stable")]
        rects = zip(
            visible.tolist(),
            r0[visible].tolist(),
            r1[visible].tolist(),
            c0[visible].tolist(),
            c1[visible].tolist(),
            sides_only[visible].tolist(),
            strict=True,
        )
        for k, ra, rb, ca, cb, only_sides in rects:
            tyi = ty_in[k, ra:rb, None]
            tin = t_in[k, None, ca:cb]
            tn = np.maximum(tyi, tin)
            tf = np.minimum(ty_out[k, ra:rb, None], t_out[k, None, ca:cb])
            dview = gb.depth[ra:rb, ca:cb]
            closer = tn <= tf
            closer &= tn < dview
            if not closer.any():  # hidden behind nearer objects: nothing to write
                continue
            np.copyto(dview, tn, where=closer)
            np.copyto(gb.obj[ra:rb, ca:cb], k + 1, where=closer)
            if only_sides:
                face = side_face[k, None, ca:cb]
            else:
                face = np.where(tyi >= tin, h_face[ra:rb], side_face[k, None, ca:cb])
            np.copyto(gb.face[ra:rb, ca:cb], face, where=closer)

    if scene.n_spheres:
        _spheres(scene, rays, gb)
    return gb


def _spheres(scene: Scene, rays: Rays, gb: GBuffer) -> None:
    """Spheres: a full quadratic per pixel, but only inside each sphere's screen rectangle."""
    o = rays.origin
    lo = scene.sph_c - scene.sph_r[:, None]
    hi = scene.sph_c + scene.sph_r[:, None]
    first = scene.first_sphere
    for k, ra, rb, ca, cb in screen_rects(lo, hi, rays):
        dx = rays.dx[None, ca:cb]
        dz = rays.dz[None, ca:cb]
        dy = rays.dy[ra:rb, None]
        rel = o - scene.sph_c[k]
        a = (dx * dx + dz * dz) + dy * dy
        half_b = (rel[0] * dx + rel[2] * dz) + rel[1] * dy
        c = float(rel @ rel - scene.sph_r[k] ** 2)
        disc = half_b * half_b - a * c
        t = (-half_b - np.sqrt(np.maximum(disc, 0))) / a
        dview = gb.depth[ra:rb, ca:cb]
        closer = (disc >= 0) & (t > NEAR) & (t < dview)
        np.copyto(dview, t, where=closer)
        np.copyto(gb.obj[ra:rb, ca:cb], first + k, where=closer)
        np.copyto(gb.face[ra:rb, ca:cb], FACE_SPHERE, where=closer)


def z_depth(gb: GBuffer) -> np.ndarray:
    """Ground-truth depth as published: metres along the optical axis, 0 where nothing was hit."""
    return np.where(gb.obj == SKY, np.float32(0), gb.depth).astype(np.float32, copy=False)


def screen_rects(lo: np.ndarray, hi: np.ndarray, rays: Rays) -> list[tuple[int, int, int, int, int]]:
    """(index, row0, row1, col0, col1) of the pixels whose rays pass through each box [lo, hi].

    Exact per column and row even for boxes that reach behind the camera; boxes out of view
    are left out. Used to bound per-light and per-shadow work to the pixels it can touch.
    """
    if len(lo) == 0:
        return []
    o = rays.origin
    inv_x = _safe_inverse(rays.dx)[None, :]
    inv_z = _safe_inverse(rays.dz)[None, :]
    t1, t2 = (lo[:, 0:1] - o[0]) * inv_x, (hi[:, 0:1] - o[0]) * inv_x
    t3, t4 = (lo[:, 2:3] - o[2]) * inv_z, (hi[:, 2:3] - o[2]) * inv_z
    t_in = np.maximum(np.maximum(np.minimum(t1, t2), np.minimum(t3, t4)), NEAR)
    t_out = np.minimum(np.maximum(t1, t2), np.maximum(t3, t4))
    cols = t_in < t_out
    col_any, c0, c1 = _first_last(cols)
    ty_in, ty_out = _slabs_rows(lo[:, 1], hi[:, 1], rays)
    t_min = np.where(cols, t_in, np.inf).min(axis=1)
    t_max = np.where(cols, t_out, -np.inf).max(axis=1)
    rows = (ty_in <= t_max[:, None]) & (ty_out >= t_min[:, None]) & (ty_out > NEAR)
    row_any, r0, r1 = _first_last(rows)
    keep = np.flatnonzero(col_any & row_any)
    return [(int(k), int(r0[k]), int(r1[k]), int(c0[k]), int(c1[k])) for k in keep]
