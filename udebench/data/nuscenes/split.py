"""A nuScenes evaluation split: CAM_FRONT key frames of the validation scenes of one condition."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from udebench.data.indexing import normalize_index
from udebench.data.nuscenes.conditions import in_condition, weather_label
from udebench.data.nuscenes.projection import DEVKIT_MIN_DIST, devkit_depth_map, lidar_to_camera, load_lidar_points
from udebench.data.nuscenes.tables import NEEDED, NuScenesTables
from udebench.errors import CorruptSampleError, DataNotFoundError

CAMERA = "CAM_FRONT"
LIDAR = "LIDAR_TOP"


def validation_scenes(tables: NuScenesTables) -> list[str]:
    """Names of the validation scenes, from the devkit's split lists (``val``, or ``mini_val`` for v1.0-mini).

    By name, never by position in ``scene.json`` (whose order a copy need not keep); a named scene that
    the copy's ``scene.json`` lacks is a one-line error.
    """
    info = json.loads((resources.files("udebench.data.nuscenes") / "val_scenes.json").read_text())
    names = list(info["mini_val" if "mini" in tables.version else "trainval_val"])
    present = {scene["name"] for scene in tables.scenes}
    absent = [name for name in names if name not in present]
    if absent:
        shown = ", ".join(absent[:5]) + (f" and {len(absent) - 5} more" if len(absent) > 5 else "")
        raise DataNotFoundError(f"nuScenes {tables.version}: validation scene(s) {shown} (devkit split lists) are "
                                f"not in {tables.folder / 'scene.json'}; put the complete {tables.version} "
                                "metadata there")
    return names


@dataclass(frozen=True)
class ValidationIndex:
    """What the validation splits of one copy need, without the big tables."""

    #: (sample token, scene token) of every validation sample, in sample.json order
    samples: list[tuple[str, str]]
    #: scene token -> md4all weather label, validation scenes only
    scene_weather: dict[str, str]
    #: sample token -> the camera/lidar key frames with their calibrated_sensor and ego_pose records
    records: dict[str, dict[str, Any] | None]


def build_index(tables: NuScenesTables, camera: str, lidar: str) -> ValidationIndex:
    wanted = set(validation_scenes(tables))
    scene_weather = {s["token"]: weather_label(s.get("description", "")) for s in tables.scenes if s["name"] in wanted}
    samples = [(s["token"], s["scene_token"]) for s in tables.samples if s["scene_token"] in scene_weather]
    frames = tables.key_frames_of((camera, lidar))
    records: dict[str, dict[str, Any] | None] = {}
    for token, _ in samples:
        cam, sweep = frames.get((token, camera)), frames.get((token, lidar))
        records[token] = None if cam is None or sweep is None else {
            "cam": cam, "lidar": sweep,
            "cam_sensor": tables.calibrated_sensor[cam["calibrated_sensor_token"]],
            "lidar_sensor": tables.calibrated_sensor[sweep["calibrated_sensor_token"]],
            "cam_pose": tables.ego_pose[cam["ego_pose_token"]],
            "lidar_pose": tables.ego_pose[sweep["ego_pose_token"]]}
    return ValidationIndex(samples=samples, scene_weather=scene_weather, records=records)


@lru_cache(maxsize=2)
def _cached_index(folder: str, version: str, camera: str, lidar: str, stamp: tuple[float, ...]) -> ValidationIndex:
    return build_index(NuScenesTables(Path(folder), version), camera, lidar)


def validation_index(dataroot: Path, version: str, camera: str, lidar: str) -> ValidationIndex:
    """The index of a copy, read once per process (day, night and rain share it) until its tables change."""
    tables = NuScenesTables(dataroot, version)
    stamp = tuple((tables.folder / f"{name}.json").stat().st_mtime_ns for name in NEEDED)
    return _cached_index(str(dataroot), version, camera, lidar, stamp)


class NuScenesSplit(Sequence):
    """``split[i]``: image 900x1600 RGB, LIDAR_TOP depth projected into it, intrinsics, condition.

    Samples are in ``sample.json`` order (as md4all iterates them); ``sample_id`` is the sample token.
    """

    def __init__(self, dataroot: str | Path, version: str, condition: str, *, name: str = "nuscenes",
                 camera: str = CAMERA, lidar: str = LIDAR, min_dist: float = DEVKIT_MIN_DIST) -> None:
        self.name = name
        self.dataroot = Path(dataroot)
        self.condition = condition
        self.camera, self.lidar, self.min_dist = camera, lidar, float(min_dist)
        missing = NuScenesTables(self.dataroot, version).missing_tables()
        if missing:
            raise DataNotFoundError(f"split {name}: nuScenes metadata missing ({', '.join(p.name for p in missing)} "
                                    f"in {self.dataroot / version}); put the {version} tables there")
        index = validation_index(self.dataroot, version, camera, lidar)
        chosen = [(token, scene) for token, scene in index.samples
                  if in_condition(index.scene_weather[scene], condition)]
        self.sample_ids: list[str] = [token for token, _ in chosen]
        self._weather = [index.scene_weather[scene] for _, scene in chosen]
        self._records = {token: index.records[token] for token in self.sample_ids}
        self.config: dict[str, Any] = {
            "dataset": "nuscenes", "version": version, "condition": condition, "camera": camera, "lidar": lidar,
            "scenes": "devkit mini_val (scene-0103, scene-0916)" if "mini" in version else "devkit official val (150)",
            "gt": f"devkit map_pointcloud_to_image, min_dist={self.min_dist}, truncated pixels, last point wins",
        }

    def __len__(self) -> int:
        return len(self.sample_ids)

    def records(self, sample_token: str) -> dict[str, Any]:
        found = self._records.get(sample_token)
        if found is None:
            raise CorruptSampleError(f"nuScenes sample {sample_token} has no {self.camera} or {self.lidar} key "
                                     f"frame in sample_data.json of {self.dataroot}")
        return found

    def files_of(self, sample_token: str) -> tuple[Path, Path]:
        """(camera image, lidar sweep) paths of a sample."""
        rec = self.records(sample_token)
        return self.dataroot / rec["cam"]["filename"], self.dataroot / rec["lidar"]["filename"]

    def __getitem__(self, index: int) -> dict[str, Any]:
        i = normalize_index(index, len(self))
        token = self.sample_ids[i]
        rec = self.records(token)
        from udebench.data.image_files import read_rgb

        image = read_rgb(self.dataroot / rec["cam"]["filename"])
        lidar_path = self.dataroot / rec["lidar"]["filename"]
        if not lidar_path.is_file():
            raise CorruptSampleError(f"lidar sweep {lidar_path} of sample {token} is missing")
        cam_sensor = rec["cam_sensor"]
        points = lidar_to_camera(load_lidar_points(str(lidar_path)), rec["lidar_sensor"], rec["lidar_pose"],
                                 rec["cam_pose"], cam_sensor)
        intrinsics = np.asarray(cam_sensor["camera_intrinsic"], dtype=np.float64)
        height, width = image.shape[:2]
        depth = devkit_depth_map(points, intrinsics, height, width, min_dist=self.min_dist)
        return {"sample_id": token, "image": image, "depth": depth, "intrinsics": intrinsics,
                "condition": self.condition, "weather": self._weather[i]}
