"""Velodyne scans → sparse depth maps in camera 2, with Monodepth2's ``export_gt_depth`` conventions.

The conventions (learnt from Monodepth2's ``kitti_utils.generate_depth_map``; this is our own code):

- a scan is ``float32 [N, 4]`` (x forward, y left, z up, reflectance); only points with x ≥ 0 are kept;
- homogeneous points go through ``P_rect_02 · R_rect_00 · velo_to_cam`` and are divided by the third
  coordinate; pixel = ``np.round(u) - 1``, ``np.round(v) - 1`` (KITTI's devkit is 1-based; note that
  ``np.round`` rounds halves to even), kept when inside the ``S_rect_02`` image;
- the value stored is the velodyne x (forward distance), as Monodepth2 exports it for the Eigen split
  (``vel_depth=True``); ``value="camera_z"`` stores the camera depth instead;
- where several points fall on one pixel the nearest (smallest value) wins.

Monodepth2 finds duplicate pixels with a linear index ``row * (W - 1) + col - 1`` that also joins the
last pixel of a row with the first of the next; we compare exact (row, col) pairs. The two differ
only in the first and last image columns, which the Garg crop excludes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from udebench.data.kitti.calibration import KittiCalibration
from udebench.errors import CorruptSampleError

VALUES = ("velodyne_x", "camera_z")


def load_velodyne_points(path: str | Path) -> np.ndarray:
    """``float32 [N, 4]`` (x, y, z, reflectance) from a KITTI ``.bin`` scan."""
    raw = np.fromfile(path, dtype=np.float32)
    if raw.size % 4:
        raise CorruptSampleError(f"{path}: {raw.size} floats is not a whole number of (x, y, z, r) points")
    return raw.reshape(-1, 4)


def velodyne_depth_map(points: np.ndarray, calib: KittiCalibration, *, value: str = "velodyne_x") -> np.ndarray:
    """Sparse ``float32 [H, W]`` depth (0 = no point) of velodyne ``points`` seen by camera 2."""
    if value not in VALUES:
        raise ValueError(f"value must be one of {VALUES}, not {value!r}")
    height, width = calib.image_size
    pts = np.asarray(points, dtype=np.float64)
    pts = pts[pts[:, 0] >= 0]
    homogeneous = np.concatenate([pts[:, :3], np.ones((len(pts), 1))], axis=1)
    uvw = homogeneous @ calib.velo_to_image.T
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.round(uvw[:, 0] / uvw[:, 2]) - 1
        v = np.round(uvw[:, 1] / uvw[:, 2]) - 1
    depth_value = pts[:, 0] if value == "velodyne_x" else uvw[:, 2]
    inside = (u >= 0) & (v >= 0) & (u < width) & (v < height)
    u, v, depth_value = u[inside].astype(np.int64), v[inside].astype(np.int64), depth_value[inside]
    flat = v * width + u
    order = np.lexsort((depth_value, flat))  # by pixel, then nearest first
    flat, depth_value = flat[order], depth_value[order]
    first = np.ones(len(flat), dtype=bool)
    first[1:] = flat[1:] != flat[:-1]
    depth = np.zeros(height * width, dtype=np.float64)
    depth[flat[first]] = depth_value[first]
    depth[depth < 0] = 0
    return depth.reshape(height, width).astype(np.float32)
