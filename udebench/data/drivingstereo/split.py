"""A DrivingStereo weather set: full-size left images, depth = f·B / d from the disparity maps.

Layout (as distributed): ``<weather>/left-image-full-size/<sequence>_<time>.png`` (or .jpg),
``<weather>/disparity-map-full-size/<sequence>_<time>.png`` (uint16, disparity = value / 256,
0 = no measurement) and ``full-image-calib/<sequence>.txt`` (KITTI-style ``key: values`` lines).
f and the principal point come from ``P_rect_101``; the baseline B is ``|T_103|`` (≈ 0.545 m):
``-P_rect_103[0,3] / P_rect_103[0,0]`` in the released files is about twice the physical baseline,
so it is only used when ``T_103`` is absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from udebench.data.indexing import normalize_index
from udebench.errors import CorruptSampleError, DataNotFoundError

IMAGES = "left-image-full-size"
DISPARITY = "disparity-map-full-size"
CALIB_FOLDERS = ("full-image-calib", "calib/full-image-calib")
IMAGE_SUFFIXES = (".png", ".jpg")


def read_calibration(path: Path) -> dict[str, np.ndarray]:
    """``key: v1 v2 ...`` lines of a DrivingStereo calibration file."""
    out: dict[str, np.ndarray] = {}
    try:
        for line in path.read_text().splitlines():
            if ":" in line:
                key, values = line.split(":", 1)
                out[key.strip()] = np.array([float(v) for v in values.split()])
    except (OSError, ValueError) as exc:
        raise CorruptSampleError(f"calibration {path} could not be read (key: values lines)") from exc
    if "P_rect_101" not in out or out["P_rect_101"].size != 12:
        raise CorruptSampleError(f"calibration {path} has no 3x4 P_rect_101")
    return out


def intrinsics_and_baseline(calib: dict[str, np.ndarray], path: Path) -> tuple[np.ndarray, float]:
    """3x3 intrinsics of the rectified left camera and the stereo baseline in metres."""
    projection = calib["P_rect_101"].reshape(3, 4)
    if "T_103" in calib:
        baseline = float(np.linalg.norm(calib["T_103"]))
    elif "P_rect_103" in calib:
        right = calib["P_rect_103"].reshape(3, 4)
        baseline = float(-right[0, 3] / right[0, 0])
    else:
        raise CorruptSampleError(f"calibration {path} has neither T_103 nor P_rect_103: no baseline")
    if not baseline > 0:
        raise CorruptSampleError(f"calibration {path}: baseline {baseline} is not positive")
    return projection[:, :3].astype(np.float64), baseline


def disparity_to_depth(disparity: np.ndarray, focal: float, baseline: float) -> np.ndarray:
    """Depth f·B/d in metres (float32), 0 where d = 0."""
    disparity = np.asarray(disparity, dtype=np.float64)
    depth = np.zeros(disparity.shape, dtype=np.float64)
    valid = disparity > 0
    depth[valid] = focal * baseline / disparity[valid]
    return depth.astype(np.float32)


class DrivingStereoSplit(Sequence):
    """``split[i]``: left image, depth from disparity, intrinsics, condition (the weather)."""

    def __init__(self, root: Path, weather: str, *, name: str = "drivingstereo") -> None:
        self.root, self.weather, self.name = Path(root), weather, name
        self.image_dir = self.root / weather / IMAGES
        self.disparity_dir = self.root / weather / DISPARITY
        if not self.image_dir.is_dir():
            raise DataNotFoundError(f"split {name}: {self.image_dir} does not exist; unpack the {weather} "
                                    f"{IMAGES} archive there")
        self._images = {p.stem: p for p in sorted(self.image_dir.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES}
        self.sample_ids: list[str] = sorted(self._images)
        self.config: dict[str, Any] = {"dataset": "drivingstereo", "weather": weather, "images": IMAGES,
                                       "gt": f"f*|T_103|/({DISPARITY}/256)"}
        self._calib: dict[str, tuple[np.ndarray, float]] = {}

    def __len__(self) -> int:
        return len(self.sample_ids)

    def disparity_path(self, sample_id: str) -> Path:
        return self.disparity_dir / f"{sample_id}.png"

    def calibration_path(self, sample_id: str) -> Path:
        sequence = sample_id.split("_")[0]
        candidates = [self.root / folder / f"{sequence}.txt" for folder in CALIB_FOLDERS]
        candidates.append(self.root / self.weather / "full-image-calib" / f"{sequence}.txt")
        return next((p for p in candidates if p.is_file()), candidates[0])

    def calibration(self, sample_id: str) -> tuple[np.ndarray, float]:
        path = self.calibration_path(sample_id)
        if path not in self._calib:
            if not path.is_file():
                raise DataNotFoundError(f"split {self.name}: calibration {path} is missing; unpack the "
                                        "full-image-calib archive into " + str(self.root))
            self._calib[path] = intrinsics_and_baseline(read_calibration(path), path)
        return self._calib[path]

    def __getitem__(self, index: int) -> dict[str, Any]:
        i = normalize_index(index, len(self))
        from udebench.data.image_files import read_rgb, read_uint16_png

        sample_id = self.sample_ids[i]
        image = read_rgb(self._images[sample_id])
        raw = read_uint16_png(self.disparity_path(sample_id), "disparity map")
        if raw.shape != image.shape[:2]:
            raise CorruptSampleError(f"disparity map {self.disparity_path(sample_id)} is {raw.shape}, its image "
                                     f"{image.shape[:2]}")
        intrinsics, baseline = self.calibration(sample_id)
        depth = disparity_to_depth(raw.astype(np.float64) / 256.0, intrinsics[0, 0], baseline)
        return {"sample_id": sample_id, "image": image, "depth": depth, "intrinsics": intrinsics,
                "condition": self.weather}
