"""The pinhole camera of the synth world: intrinsics, poses and per-pixel ray directions.

Conventions (OpenCV): x right, y down, z forward, for the camera and for the world. The
world's ground is the plane y = 0, so "up" is -y and heights are negative y values. The
camera only turns about the vertical axis (yaw): a car on a flat road, no pitch or roll.
That keeps every image column a vertical fan of rays, which the ray caster exploits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: KITTI-normalised intrinsics as used by Monodepth2: fx = 0.58 W, fy = 1.92 H, centre.
FX_PER_WIDTH = 0.58
FY_PER_HEIGHT = 1.92


def intrinsics(height: int, width: int) -> np.ndarray:
    """3x3 pinhole matrix for an image of this size; pixel centres sit at integer coordinates."""
    return np.array(
        [
            [FX_PER_WIDTH * width, 0.0, 0.5 * width],
            [0.0, FY_PER_HEIGHT * height, 0.5 * height],
            [0.0, 0.0, 1.0],
        ],
        dtype=np.float64,
    )


def yaw_rotation(yaw: float) -> np.ndarray:
    """Camera-to-world rotation for a heading ``yaw`` (radians, positive turns right, toward +x)."""
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]], dtype=np.float64)


def camera_pose(x: float, y: float, z: float, yaw: float) -> np.ndarray:
    """4x4 camera-to-world transform of a camera at (x, y, z) with heading ``yaw``."""
    pose = np.eye(4, dtype=np.float64)
    pose[:3, :3] = yaw_rotation(yaw)
    pose[:3, 3] = (x, y, z)
    return pose


def pose_yaw(pose: np.ndarray) -> float:
    """The heading of a yaw-only camera-to-world pose (raises if it pitches or rolls)."""
    rot = np.asarray(pose, dtype=np.float64)[:3, :3]
    if abs(rot[1, 1] - 1.0) > 1e-6:
        raise ValueError("synth cameras only turn about the vertical axis; this pose pitches or rolls")
    return math.atan2(rot[0, 2], rot[2, 2])


@dataclass(frozen=True)
class Rays:
    """World-space ray directions of every pixel, scaled so each has camera z = 1.

    Direction of pixel (v, u) is ``(dx[u], dy[v], dz[u])``: x and z depend on the column only
    and y on the row only, because the camera has no pitch or roll. A hit at parameter t is
    therefore at z-depth t, and its world position is ``origin + t * direction``.
    """

    origin: np.ndarray  # (3,) float32 world position of the camera centre
    dx: np.ndarray  # (W,) float32
    dy: np.ndarray  # (H,) float32
    dz: np.ndarray  # (W,) float32
    fx: float
    fy: float
    height: int
    width: int

    @property
    def norm2(self) -> np.ndarray:
        """Squared length of every direction, (H, W) float32."""
        return (self.dx * self.dx + self.dz * self.dz)[None, :] + (self.dy * self.dy)[:, None]


def camera_rays(pose: np.ndarray, K: np.ndarray, height: int, width: int) -> Rays:
    """Per-pixel ray directions of a yaw-only camera with intrinsics ``K``."""
    yaw = pose_yaw(pose)
    fx, fy, cx, cy = float(K[0, 0]), float(K[1, 1]), float(K[0, 2]), float(K[1, 2])
    xc = (np.arange(width, dtype=np.float64) - cx) / fx
    yc = (np.arange(height, dtype=np.float64) - cy) / fy
    c, s = math.cos(yaw), math.sin(yaw)
    dx = c * xc + s
    dz = -s * xc + c
    return Rays(
        origin=np.asarray(pose[:3, 3], dtype=np.float32),
        dx=dx.astype(np.float32),
        dy=yc.astype(np.float32),
        dz=dz.astype(np.float32),
        fx=fx,
        fy=fy,
        height=height,
        width=width,
    )
