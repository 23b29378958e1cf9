"""A RobotCar test split (md4all protocol): stereo/left images, front-LMS depth over ±4 s, bottom rows cropped.

Ground truth per image at time t (md4all ``precompute_depth_gt.py`` with the SDK's ``build_pointcloud``):
every ``lms_front`` scan with t - 4 s ≤ timestamp ≤ t + 4 s is moved into the vehicle frame at t
with the VO poses (``inv(P(t)) @ P(t_scan) @ G_vehicle_laser``), then into the camera with
``extrinsics/stereo.txt`` (stored as float32, as md4all does), projected with the camera model
(z ≥ 0, 0.5 ≤ u ≤ W-1, 0.5 ≤ v ≤ H-1, pixel = round(u, v), nearest point wins); then image and
depth keep rows 0-767 of 960 (md4all's Crop(top=0, height=768) drops the bonnet at the bottom),
which leaves the intrinsics unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from udebench.data.indexing import normalize_index
from udebench.data.robotcar.sdk import (
    CameraModel,
    VisualOdometry,
    load_lms_scan,
    read_extrinsics,
    read_lms_timestamps,
)
from udebench.errors import CorruptSampleError, DataNotFoundError

TIME_SPAN_US = 4_000_000
CROP_HEIGHT = 768
LASER = "lms_front"
CAMERA = "stereo/left"
#: SDK camera-model file of each camera folder
CAMERA_MODELS = {"stereo/left": "stereo_wide_left", "stereo/right": "stereo_wide_right",
                 "stereo/centre": "stereo_narrow_left"}


def read_list_file(path: Path) -> list[str]:
    """Image timestamps of an md4all test list (first token of each line)."""
    if not path.is_file():
        raise DataNotFoundError(f"RobotCar list file {path} is missing; get md4all's split files (docs/datasets.md)")
    return [line.split()[0] for line in path.read_text().splitlines() if line.strip()]


def build_pointcloud(scene_dir: Path, extrinsics_dir: Path, origin: int, time_span: int = TIME_SPAN_US,
                     laser: str = LASER) -> np.ndarray:
    """``[N, 3]`` points of the laser scans within ±time_span of ``origin``, in the vehicle frame at ``origin``."""
    stamps = [t for t in read_lms_timestamps(scene_dir / f"{laser}.timestamps")
              if origin - time_span <= t <= origin + time_span]
    if not stamps:
        raise CorruptSampleError(f"no {laser} scans within ±{time_span / 1e6:g} s of {origin} in "
                                 f"{scene_dir / f'{laser}.timestamps'}")
    vehicle_from_laser = read_extrinsics(extrinsics_dir / f"{laser}.txt")
    vo = VisualOdometry(scene_dir / "vo" / "vo.csv", min(min(stamps), origin), max(max(stamps), origin))
    origin_inv = np.linalg.inv(vo.pose_at(origin))
    clouds = []
    for stamp in stamps:
        path = scene_dir / laser / f"{stamp}.bin"
        if not path.is_file():  # the SDK skips scans whose file is absent
            continue
        transform = origin_inv @ vo.pose_at(stamp) @ vehicle_from_laser
        scan = load_lms_scan(path)
        clouds.append(scan @ transform[:3, :3].T + transform[:3, 3])
    if not clouds:
        raise CorruptSampleError(f"no {laser} scan files for ±{time_span / 1e6:g} s around {origin} in "
                                 f"{scene_dir / laser}")
    return np.concatenate(clouds)


def project_md4all(points_camera: np.ndarray, model: CameraModel, height: int, width: int) -> np.ndarray:
    """Depth map of camera-frame points (SDK ``CameraModel.project`` + md4all ``generate_image_from_points``)."""
    homogeneous = np.concatenate([points_camera.astype(np.float64), np.ones((len(points_camera), 1))], axis=1)
    xyzw = np.linalg.solve(model.G_camera_image, homogeneous.T)
    xyzw = xyzw[:, xyzw[2] >= 0]
    (fx, fy), (cx, cy) = model.focal_length, model.principal_point
    with np.errstate(divide="ignore", invalid="ignore"):
        u = fx * xyzw[0] / xyzw[2] + cx
        v = fy * xyzw[1] / xyzw[2] + cy
    inside = (u >= 0.5) & (u <= width - 1) & (v >= 0.5) & (v <= height - 1)
    u, v, z = np.round(u[inside]).astype(int), np.round(v[inside]).astype(int), xyzw[2, inside]
    depth = np.full((height, width), np.inf, dtype=np.float64)
    np.minimum.at(depth, (v, u), z)
    depth[np.isinf(depth)] = 0.0
    return depth.astype(np.float32)


def demosaic_and_undistort(raw: np.ndarray, lut: np.ndarray | None) -> np.ndarray:
    """Raw GBRG Bayer → RGB (OpenCV bilinear), then the SDK's undistortion look-up table if given."""
    import cv2

    rgb = cv2.cvtColor(raw, cv2.COLOR_BayerGR2RGB)  # OpenCV names the pattern from the second row: GBRG
    if lut is None:
        return rgb
    height, width = raw.shape
    map_x = lut[0].reshape(height, width).astype(np.float32)
    map_y = lut[1].reshape(height, width).astype(np.float32)
    return cv2.remap(rgb, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=0)


class RobotCarSplit(Sequence):
    """``split[i]``: 768x1280 RGB of the left stereo camera, LMS depth (m), intrinsics, condition."""

    def __init__(self, root: Path, scene: str, condition: str, list_file: Path, *, name: str = "robotcar",
                 camera: str = CAMERA, time_span: int = TIME_SPAN_US, crop_height: int = CROP_HEIGHT) -> None:
        self.root, self.scene, self.condition, self.name = Path(root), scene, condition, name
        self.scene_dir = self.root / scene
        self.camera, self.time_span, self.crop_height = camera, int(time_span), int(crop_height)
        self.list_file = Path(list_file)
        self.sample_ids: list[str] = read_list_file(self.list_file)
        if camera not in CAMERA_MODELS:
            raise ValueError(f"camera must be one of {', '.join(CAMERA_MODELS)}, not {camera!r}")
        self.model_name = CAMERA_MODELS[camera]
        self.config: dict[str, Any] = {
            "dataset": "robotcar", "scene": scene, "list_file": str(self.list_file), "camera": camera,
            "laser": LASER, "poses": "vo", "time_span_us": self.time_span, "crop_rows": [0, self.crop_height],
        }
        self._model: CameraModel | None = None
        self._lut: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.sample_ids)

    def image_path(self, sample_id: str) -> Path:
        return self.scene_dir / self.camera / f"{sample_id}.png"

    @property
    def model(self) -> CameraModel:
        if self._model is None:
            path = self.root / "models" / f"{self.model_name}.txt"
            if not path.is_file():
                raise DataNotFoundError(f"RobotCar camera model {path} is missing; copy models/ from the "
                                        "robotcar-dataset-sdk")
            self._model = CameraModel(path)
        return self._model

    def _undistortion(self, size: int) -> np.ndarray | None:
        path = self.root / "models" / f"{self.model_name}_distortion_lut.bin"
        if self._lut is None and path.is_file():
            lut = np.fromfile(path, dtype=np.float64)
            if lut.size != 2 * size:
                raise CorruptSampleError(f"undistortion table {path} has {lut.size} values, expected {2 * size}")
            self._lut = lut.reshape(2, size)
        return self._lut

    def read_image(self, sample_id: str) -> np.ndarray:
        """md4all's pre-computed RGB (3 channels) as is; a raw Bayer PNG is demosaiced and undistorted."""
        import cv2

        from udebench.data.image_files import read_unchanged

        path = self.image_path(sample_id)
        stored = read_unchanged(path)
        if stored.dtype != np.uint8:
            raise CorruptSampleError(f"image {path} is {stored.dtype}, expected 8-bit")
        if stored.ndim == 2:
            return demosaic_and_undistort(stored, self._undistortion(stored.size))
        code = cv2.COLOR_BGRA2RGB if stored.shape[2] == 4 else cv2.COLOR_BGR2RGB
        return cv2.cvtColor(stored, code)

    def __getitem__(self, index: int) -> dict[str, Any]:
        i = normalize_index(index, len(self))
        sample_id = self.sample_ids[i]
        if not re.fullmatch(r"\d+", sample_id):
            raise CorruptSampleError(f"{self.list_file}: {sample_id!r} is not an image timestamp")
        image = self.read_image(sample_id)
        height, width = image.shape[:2]
        points = build_pointcloud(self.scene_dir, self.root / "extrinsics", int(sample_id), self.time_span)
        camera_from_vehicle = read_extrinsics(self.root / "extrinsics" / "stereo.txt")
        points = (points @ camera_from_vehicle[:3, :3].T + camera_from_vehicle[:3, 3]).astype(np.float32)
        depth = project_md4all(points, self.model, height, width)
        rows = slice(0, self.crop_height)
        return {"sample_id": sample_id, "image": np.ascontiguousarray(image[rows]), "depth": depth[rows],
                "intrinsics": self.model.intrinsics, "condition": self.condition}
