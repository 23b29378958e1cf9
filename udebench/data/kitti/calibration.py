"""KITTI raw calibration files (``calib_cam_to_cam.txt``, ``calib_velo_to_cam.txt``) as numpy matrices."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from udebench.errors import CorruptSampleError


def read_calib_file(path: str | Path) -> dict[str, np.ndarray | str]:
    """``key: v1 v2 ...`` lines → {key: float64 array}; values that are not numbers stay strings."""
    out: dict[str, np.ndarray | str] = {}
    for line in Path(path).read_text().splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        value = value.strip()
        try:
            out[key.strip()] = np.array([float(v) for v in value.split()], dtype=np.float64)
        except ValueError:
            out[key.strip()] = value  # e.g. calib_time: 09-Jan-2012 13:57:47
    return out


@dataclass(frozen=True)
class KittiCalibration:
    """What projecting velodyne points into camera 2 (left colour) needs, for one recording date."""

    #: 3x4 projection of the rectified camera 2
    p_rect_02: np.ndarray
    #: 4x4 rectifying rotation of the reference camera 0 (padded with 1)
    r_rect_00: np.ndarray
    #: 4x4 rigid transform velodyne → camera 0
    velo_to_cam: np.ndarray
    #: (height, width) of the rectified camera-2 image (``S_rect_02`` is width, height)
    image_size: tuple[int, int]

    @property
    def intrinsics(self) -> np.ndarray:
        """3x3 K of the rectified camera 2: the left 3x3 block of ``P_rect_02``."""
        return self.p_rect_02[:, :3].copy()

    @property
    def velo_to_image(self) -> np.ndarray:
        """3x4 ``P_rect_02 · R_rect_00 · velo_to_cam``: homogeneous velodyne point → homogeneous pixel."""
        return self.p_rect_02 @ self.r_rect_00 @ self.velo_to_cam


def _matrix(values: dict, key: str, size: int, path: Path) -> np.ndarray:
    value = values.get(key)
    if not isinstance(value, np.ndarray) or value.size != size:
        raise CorruptSampleError(f"{path}: no numeric {key!r} with {size} values; is it a KITTI raw calibration file?")
    return value


def load_calibration(date_dir: str | Path) -> KittiCalibration:
    """Read ``<date_dir>/calib_cam_to_cam.txt`` and ``calib_velo_to_cam.txt``."""
    date_dir = Path(date_dir)
    cam_path, velo_path = date_dir / "calib_cam_to_cam.txt", date_dir / "calib_velo_to_cam.txt"
    cam, velo = read_calib_file(cam_path), read_calib_file(velo_path)
    r_rect = np.eye(4)
    r_rect[:3, :3] = _matrix(cam, "R_rect_00", 9, cam_path).reshape(3, 3)
    velo_to_cam = np.eye(4)
    velo_to_cam[:3, :3] = _matrix(velo, "R", 9, velo_path).reshape(3, 3)
    velo_to_cam[:3, 3] = _matrix(velo, "T", 3, velo_path)
    width, height = (int(round(v)) for v in _matrix(cam, "S_rect_02", 2, cam_path))
    return KittiCalibration(p_rect_02=_matrix(cam, "P_rect_02", 12, cam_path).reshape(3, 4), r_rect_00=r_rect,
                            velo_to_cam=velo_to_cam, image_size=(height, width))
