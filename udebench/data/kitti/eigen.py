"""The KITTI Eigen test split (697 frames of camera 2) read from the raw KITTI layout.

``<root>/kitti/<date>/<drive>/image_02/data/<frame>.png`` and ``velodyne_points/data/<frame>.bin``,
calibration in ``<root>/kitti/<date>/calib_cam_to_cam.txt`` and ``calib_velo_to_cam.txt``.
Ground truth (option ``gt``):

- ``"velodyne"``: the scan projected as Monodepth2 exports it (see :mod:`udebench.data.kitti.velodyne`);
- ``"npz"``: Monodepth2's exported ``gt_depths.npz`` placed at ``<root>/kitti/gt_depths.npz``;
- ``"improved"``: KITTI's annotated depth maps (uint16 PNG / 256) from
  ``<root>/kitti/data_depth_annotated/{train,val}/<drive>/proj_depth/groundtruth/image_02/<frame>.png``;
  only the 652 frames that have one (Monodepth2's ``eigen_benchmark`` list);
- ``"auto"`` (default): ``npz`` when that file is there and the velodyne scans are not, else ``velodyne``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from udebench.data.image_files import read_rgb
from udebench.data.indexing import normalize_index
from udebench.data.kitti.calibration import KittiCalibration, load_calibration
from udebench.data.kitti.velodyne import load_velodyne_points, velodyne_depth_map
from udebench.data.manifest import load_manifest
from udebench.errors import CorruptSampleError, DataNotFoundError, UdebenchError

SPLIT = "kitti-eigen"
FOLDER = "kitti"
GT_KINDS = ("auto", "velodyne", "npz", "improved")
NPZ_NAME = "gt_depths.npz"
ANNOTATED = "data_depth_annotated"


def read_depth_png(path: Path) -> np.ndarray:
    """KITTI depth PNG (uint16, metres × 256, 0 = no value) → float32 metres."""
    if not path.is_file():
        raise DataNotFoundError(f"{path} does not exist; `udebench data check` lists what is missing")
    import cv2

    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None or raw.ndim != 2 or raw.dtype != np.uint16:
        raise CorruptSampleError(f"{path}: not a 16-bit single-channel KITTI depth PNG")
    return raw.astype(np.float32) / 256.0


def split_sample_id(sample_id: str) -> tuple[str, str, str]:
    """``2011_09_26_drive_0002_sync/0000000069`` → (date, drive, frame)."""
    drive, _, frame = sample_id.partition("/")
    return drive[:10], drive, frame


def eigen_sample_ids(gt: str = "velodyne") -> list[str]:
    """The Eigen test frames in Monodepth2's order; the 652 with annotated depth when ``gt="improved"``."""
    manifest = load_manifest(SPLIT)
    if manifest is None:  # pragma: no cover - shipped with the package
        raise UdebenchError(f"the {SPLIT} manifest is missing from the udebench installation")
    return list(manifest["improved_gt_sample_ids" if gt == "improved" else "sample_ids"])


class KittiEigenLayout:
    """Paths of one KITTI raw copy (``<root>/kitti``)."""

    def __init__(self, kitti_dir: Path) -> None:
        self.dir = Path(kitti_dir)

    def image(self, sample_id: str) -> Path:
        date, drive, frame = split_sample_id(sample_id)
        return self.dir / date / drive / "image_02" / "data" / f"{frame}.png"

    def velodyne(self, sample_id: str) -> Path:
        date, drive, frame = split_sample_id(sample_id)
        return self.dir / date / drive / "velodyne_points" / "data" / f"{frame}.bin"

    def calib_dir(self, sample_id: str) -> Path:
        return self.dir / split_sample_id(sample_id)[0]

    def improved(self, sample_id: str) -> Path:
        """The annotated depth PNG (train/ or val/ sub-folder, or none); the train/ path when absent."""
        _, drive, frame = split_sample_id(sample_id)
        tail = Path(drive) / "proj_depth" / "groundtruth" / "image_02" / f"{frame}.png"
        candidates = [self.dir / ANNOTATED / part / tail for part in ("train", "val")] + [self.dir / ANNOTATED / tail]
        return next((path for path in candidates if path.is_file()), candidates[0])

    @property
    def npz(self) -> Path:
        return self.dir / NPZ_NAME


def resolve_gt(layout: KittiEigenLayout, gt: str, sample_ids: Sequence[str]) -> str:
    """``auto`` → ``npz`` when gt_depths.npz is there and the first scan is not, else ``velodyne``."""
    if gt not in GT_KINDS:
        raise UdebenchError(f"{SPLIT}: option gt={gt!r}; choose one of {', '.join(GT_KINDS)}")
    if gt != "auto":
        return gt
    if layout.npz.is_file() and sample_ids and not layout.velodyne(sample_ids[0]).is_file():
        return "npz"
    return "velodyne"


class KittiEigenSplit(Sequence):
    """The Eigen test frames: RGB of camera 2, sparse GT depth (m), intrinsics from ``P_rect_02``."""

    def __init__(self, kitti_dir: Path, *, gt: str = "auto", depth_value: str = "velodyne_x",
                 name: str = SPLIT, condition: str = "eigen") -> None:
        self.layout = KittiEigenLayout(kitti_dir)
        self.name = name
        self.condition = condition
        self.depth_value = depth_value
        self._ids = eigen_sample_ids("improved" if gt == "improved" else "velodyne")
        self.gt = resolve_gt(self.layout, gt, self._ids)
        self._npz: np.ndarray | None = None
        self._calibrations: dict[str, KittiCalibration] = {}

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def sample_ids(self) -> list[str]:
        return list(self._ids)

    @property
    def config(self) -> dict[str, Any]:
        value = self.depth_value if self.gt == "velodyne" else None
        return {"list": "monodepth2/eigen", "gt": self.gt, "depth_value": value}

    def _load_calibration(self, date: str) -> KittiCalibration:
        date_dir = self.layout.dir / date
        for path in (date_dir / "calib_cam_to_cam.txt", date_dir / "calib_velo_to_cam.txt"):
            if not path.is_file():
                raise DataNotFoundError(f"{self.name}: {path} does not exist; it comes with the KITTI raw "
                                        f"calibration archive {date}_calib.zip")
        return load_calibration(date_dir)

    def calibration(self, sample_id: str) -> KittiCalibration:
        date = split_sample_id(sample_id)[0]
        if date not in self._calibrations:
            self._calibrations[date] = self._load_calibration(date)
        return self._calibrations[date]

    def intrinsics(self, sample_id: str) -> np.ndarray:
        return self.calibration(sample_id).intrinsics

    def depth(self, index: int) -> np.ndarray:
        """Ground-truth depth of sample ``index`` (float32, metres, 0 = none) from the chosen source."""
        sample_id = self._ids[index]
        if self.gt == "improved":
            return read_depth_png(self.layout.improved(sample_id))
        if self.gt == "npz":
            return np.asarray(self._gt_npz()[index], dtype=np.float32)
        path = self.layout.velodyne(sample_id)
        if not path.is_file():
            raise DataNotFoundError(f"{self.name}: {path} does not exist; it comes with the drive's sync archive "
                                    f"(or put Monodepth2's {NPZ_NAME} at {self.layout.npz} and use gt='npz')")
        return velodyne_depth_map(load_velodyne_points(path), self.calibration(sample_id), value=self.depth_value)

    def _gt_npz(self) -> np.ndarray:
        if self._npz is None:
            path = self.layout.npz
            if not path.is_file():
                raise DataNotFoundError(f"{self.name}: {path} does not exist; export it with Monodepth2's "
                                        "export_gt_depth.py --split eigen, or use gt='velodyne'")
            try:
                with np.load(path, allow_pickle=True, encoding="latin1") as archive:  # an object array of maps
                    data = archive["data"]
            except Exception as exc:
                raise CorruptSampleError(f"{path}: cannot read the 'data' array ({exc})") from exc
            if len(data) != len(eigen_sample_ids()):
                raise CorruptSampleError(f"{path}: {len(data)} depth maps, but the Eigen test split has "
                                         f"{len(eigen_sample_ids())}; export it with --split eigen")
            self._npz = data
        return self._npz

    def __getitem__(self, index: int) -> dict[str, Any]:  # type: ignore[override]
        index = normalize_index(index, len(self))
        sample_id = self._ids[index]
        image = read_rgb(self.layout.image(sample_id))
        depth = self.depth(index)
        if depth.shape != image.shape[:2]:
            raise CorruptSampleError(f"{self.layout.image(sample_id)}: image {image.shape[:2]} but ground truth "
                                     f"{depth.shape} ({self.gt}); is the calibration of {split_sample_id(sample_id)[0]}"
                                     " the right one?")
        return {"sample_id": sample_id, "image": image, "depth": depth,
                "intrinsics": self.intrinsics(sample_id), "condition": self.condition}


def missing_files(layout: KittiEigenLayout, sample_ids: Sequence[str], gt: str, *, need_images: bool = True,
                  extra: Callable[[str], Path] | None = None) -> dict[str, list[Path]]:
    """sample id → files it lacks (image, scan or annotated map, calibration, ``extra(sample_id)``)."""
    out: dict[str, list[Path]] = {}
    calib_ok: dict[str, bool] = {}
    for sample_id in sample_ids:
        lacking = []
        if need_images and not layout.image(sample_id).is_file():
            lacking.append(layout.image(sample_id))
        if extra is not None and not extra(sample_id).is_file():
            lacking.append(extra(sample_id))
        if gt == "velodyne" and not layout.velodyne(sample_id).is_file():
            lacking.append(layout.velodyne(sample_id))
        if gt == "improved" and not layout.improved(sample_id).is_file():
            lacking.append(layout.improved(sample_id))
        date_dir = layout.calib_dir(sample_id)
        if date_dir.name not in calib_ok:
            calib_ok[date_dir.name] = (date_dir / "calib_cam_to_cam.txt").is_file() and (
                date_dir / "calib_velo_to_cam.txt").is_file()
        if not calib_ok[date_dir.name]:
            lacking.append(date_dir / "calib_cam_to_cam.txt")
        if lacking:
            out[sample_id] = lacking
    return out


def describe_missing(missing: dict[str, list[Path]], show: int = 5) -> list[str]:
    """``udebench data check`` lines: which sample lacks which file, and where that file goes."""
    shown = list(missing.items())[:show]
    lines = [f"{sample_id}: {', '.join(str(path) for path in paths)}" for sample_id, paths in shown]
    if len(missing) > show:
        lines.append(f"... and {len(missing) - show} more samples")
    return lines
