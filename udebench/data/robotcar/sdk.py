"""The parts of the RobotCar SDK's conventions the ground truth needs, re-implemented from its documentation.

- ``extrinsics/*.txt`` and ``vo/vo.csv`` rows hold x, y, z, roll, pitch, yaw; the transform is
  ``[R | t]`` with ``R = Rz(yaw) @ Ry(pitch) @ Rx(roll)``.
- ``vo/vo.csv``: header, then ``source_timestamp, destination_timestamp, x, y, z, roll, pitch, yaw``;
  absolute poses are the running product of the relative ones, starting from identity at the
  last row before the window.
- Pose at time t: the SDK's ``interpolate_poses`` computes the interpolation fraction with integer
  floor division (``//``, since its Python 3 port), so the fraction is always 0 and the pose is
  that of the last VO timestamp at or before t. md4all's ground truth was built with it; we do
  the same (``pose_at``).
- ``lms_front/<t>.bin``: float64 triples (x, y, reflectance) per point in the laser frame, z = 0;
  the scans of a drive are listed in ``lms_front.timestamps`` (``<t> <chunk>`` per line).
- ``models/<camera>.txt``: ``fx fy cx cy`` then the 4x4 ``G_camera_image`` (image axes → camera axes).
"""

from __future__ import annotations

import bisect
import csv
from pathlib import Path

import numpy as np

from udebench.errors import CorruptSampleError


def se3_from_xyzrpy(values: list[float]) -> np.ndarray:
    """4x4 transform of x, y, z, roll, pitch, yaw (the SDK's ``build_se3_transform``)."""
    if len(values) != 6:
        raise ValueError(f"expected x, y, z, roll, pitch, yaw, got {len(values)} values")
    x, y, z, roll, pitch, yaw = (float(v) for v in values)
    cr, sr, cp, sp, cy, sy = np.cos(roll), np.sin(roll), np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw)
    rx = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
    ry = np.array([[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]])
    rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
    out = np.eye(4)
    out[:3, :3] = rz @ ry @ rx
    out[:3, 3] = [x, y, z]
    return out


def read_extrinsics(path: Path) -> np.ndarray:
    """The 4x4 transform in an ``extrinsics/<sensor>.txt`` file (first line)."""
    try:
        first = path.read_text().splitlines()[0]
    except (OSError, IndexError) as exc:
        raise CorruptSampleError(f"extrinsics file {path} could not be read") from exc
    return se3_from_xyzrpy([float(v) for v in first.split()])


class CameraModel:
    """``models/<name>.txt``: focal length, principal point and ``G_camera_image``."""

    def __init__(self, path: Path) -> None:
        try:
            lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
            fx, fy, cx, cy = (float(v) for v in lines[0][:4])
            self.G_camera_image = np.array([[float(v) for v in row] for row in lines[1:5]])
        except (OSError, ValueError, IndexError) as exc:
            raise CorruptSampleError(f"camera model {path} could not be read (fx fy cx cy, then a 4x4)") from exc
        self.path = path
        self.focal_length = (fx, fy)
        self.principal_point = (cx, cy)

    @property
    def intrinsics(self) -> np.ndarray:
        (fx, fy), (cx, cy) = self.focal_length, self.principal_point
        return np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])


class VisualOdometry:
    """Absolute poses of a drive from ``vo/vo.csv`` over a time window, as the SDK builds them."""

    def __init__(self, path: Path, lower: int, upper: int) -> None:
        self.timestamps: list[int] = [0]
        self.poses: list[np.ndarray] = [np.eye(4)]
        try:
            with open(path, newline="") as handle:
                reader = csv.reader(handle)
                next(reader)  # header
                for row in reader:
                    timestamp = int(row[0])
                    if timestamp < lower:
                        self.timestamps[0] = timestamp
                        continue
                    self.timestamps.append(timestamp)
                    self.poses.append(self.poses[-1] @ se3_from_xyzrpy([float(v) for v in row[2:8]]))
                    if timestamp >= upper:
                        break
        except (OSError, ValueError, IndexError, StopIteration) as exc:
            raise CorruptSampleError(f"visual odometry file {path} could not be read") from exc

    def pose_at(self, timestamp: int) -> np.ndarray:
        """The pose of the last VO timestamp at or before ``timestamp`` (the SDK's effective behaviour)."""
        return self.poses[max(bisect.bisect(self.timestamps, timestamp) - 1, 0)]


def read_lms_timestamps(path: Path) -> list[int]:
    try:
        return [int(line.split()[0]) for line in path.read_text().splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise CorruptSampleError(f"laser timestamps {path} could not be read") from exc


def load_lms_scan(path: Path) -> np.ndarray:
    """A 2D LMS scan as ``[N, 3]`` float64 x, y, 0 in the laser frame (reflectance dropped)."""
    scan = np.fromfile(path, dtype=np.float64)
    if scan.size % 3:
        raise CorruptSampleError(f"laser scan {path} has {scan.size} doubles, not x, y, reflectance triples")
    points = scan.reshape(-1, 3).copy()
    points[:, 2] = 0.0
    return points
