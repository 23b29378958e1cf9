"""Projecting range-sensor points into a camera: pure numpy, shared by every real-data reader."""

from __future__ import annotations

import numpy as np


def transform_points(transform: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 4x4 rigid transform to ``[N, 3]`` points."""
    return points @ transform[:3, :3].T + transform[:3, 3]


def make_transform(rotation: np.ndarray, translation: np.ndarray) -> np.ndarray:
    """4x4 from a 3x3 rotation and a translation."""
    out = np.eye(4)
    out[:3, :3] = rotation
    out[:3, 3] = translation
    return out


def project_to_depth_map(points_cam: np.ndarray, intrinsics: np.ndarray, height: int, width: int, *,
                         min_depth: float = 1e-3) -> np.ndarray:
    """Sparse z-depth map from camera-frame points (x right, y down, z forward).

    Pixel centres sit at integer coordinates, so a projection (u, v) lands on pixel
    (round(v), round(u)). Where several points land on one pixel the nearest wins.
    0 = no point.
    """
    z = points_cam[:, 2]
    keep = z > min_depth
    pts = points_cam[keep]
    z = z[keep]
    uvw = pts @ np.asarray(intrinsics, dtype=np.float64)[:3, :3].T
    u = np.round(uvw[:, 0] / z).astype(np.int64)
    v = np.round(uvw[:, 1] / z).astype(np.int64)
    inside = (u >= 0) & (u < width) & (v >= 0) & (v < height)
    u, v, z = u[inside], v[inside], z[inside]
    depth = np.zeros((height, width), dtype=np.float32)
    order = np.argsort(-z)  # far first, so the nearest point is written last and wins
    depth[v[order], u[order]] = z[order]
    return depth
