"""The lidar → camera chain of the nuScenes devkit, as md4all uses it for ground-truth depth.

A LIDAR_TOP sweep goes lidar → ego (at the sweep's time) → global → ego (at the image's time)
→ camera. As in the devkit, the points are kept as float32 and every step's result is rounded
back to float32; then they are projected with the camera intrinsics, points closer than
``min_dist`` (1 m) or within one pixel of the border are dropped, and the pixel is the
truncated (u, v) (md4all's ``generate_image_from_points``); where several points share a pixel
the last one in sweep order is kept, as numpy's assignment does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: the devkit's default ``map_pointcloud_to_image(min_dist=1.0)``
DEVKIT_MIN_DIST = 1.0


def quaternion_to_rotation(wxyz: Sequence[float]) -> np.ndarray:
    """3x3 rotation of a nuScenes quaternion, stored **w, x, y, z** (scipy wants x, y, z, w)."""
    from scipy.spatial.transform import Rotation

    w, x, y, z = (float(v) for v in wxyz)
    return Rotation.from_quat([x, y, z, w]).as_matrix()


def load_lidar_points(path: str) -> np.ndarray:
    """A ``.pcd.bin`` sweep (float32 x, y, z, intensity, ring) as float32 ``[N, 3]`` x, y, z."""
    scan = np.fromfile(path, dtype=np.float32)
    if scan.size % 5:
        from udebench.errors import CorruptSampleError

        raise CorruptSampleError(f"lidar sweep {path} has {scan.size} floats, not a multiple of 5 "
                                 "(x, y, z, intensity, ring per point): truncated?")
    return scan.reshape(-1, 5)[:, :3].copy()


def _rotate(points: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    return (points.astype(np.float64) @ rotation.T).astype(np.float32)


def _translate(points: np.ndarray, translation: Sequence[float]) -> np.ndarray:
    return (points.astype(np.float64) + np.asarray(translation, dtype=np.float64)).astype(np.float32)


def lidar_to_camera(points: np.ndarray, lidar_sensor: dict, lidar_ego_pose: dict, camera_ego_pose: dict,
                    camera_sensor: dict) -> np.ndarray:
    """Lidar-frame ``[N, 3]`` points into the camera frame (x right, y down, z forward), float32.

    ``*_sensor`` are calibrated_sensor records and ``*_ego_pose`` ego_pose records (each with
    ``rotation`` as w, x, y, z and ``translation``).
    """
    pts = np.asarray(points, dtype=np.float32)
    pts = _translate(_rotate(pts, quaternion_to_rotation(lidar_sensor["rotation"])), lidar_sensor["translation"])
    pts = _translate(_rotate(pts, quaternion_to_rotation(lidar_ego_pose["rotation"])), lidar_ego_pose["translation"])
    pts = _translate(pts, -np.asarray(camera_ego_pose["translation"], dtype=np.float64))
    pts = _rotate(pts, quaternion_to_rotation(camera_ego_pose["rotation"]).T)
    pts = _translate(pts, -np.asarray(camera_sensor["translation"], dtype=np.float64))
    return _rotate(pts, quaternion_to_rotation(camera_sensor["rotation"]).T)


def devkit_depth_map(points_cam: np.ndarray, intrinsics: np.ndarray, height: int, width: int, *,
                     min_dist: float = DEVKIT_MIN_DIST) -> np.ndarray:
    """Sparse z-depth (float32, 0 = no point) the way md4all builds nuScenes GT from the devkit's projection."""
    pts = np.asarray(points_cam)
    depth = pts[:, 2]
    homogeneous = pts.astype(np.float64) @ np.asarray(intrinsics, dtype=np.float64)[:3, :3].T
    with np.errstate(divide="ignore", invalid="ignore"):
        u = homogeneous[:, 0] / homogeneous[:, 2]
        v = homogeneous[:, 1] / homogeneous[:, 2]
    keep = (depth > min_dist) & (u > 1) & (u < width - 1) & (v > 1) & (v < height - 1)
    u, v, depth = u[keep].astype(np.int32), v[keep].astype(np.int32), depth[keep]
    out = np.zeros((height, width), dtype=np.float32)
    flat = v.astype(np.int64) * width + u
    # the last point written to a pixel wins: keep each pixel's last occurrence explicitly
    _, last_from_end = np.unique(flat[::-1], return_index=True)
    chosen = len(flat) - 1 - last_from_end
    out.reshape(-1)[flat[chosen]] = depth[chosen]
    return out
