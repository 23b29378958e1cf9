"""Registers DrivingStereo's four weather sets. Cheap to import."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from udebench.evaluation.protocol_spec import Protocol
from udebench.hookspecs import hookimpl
from udebench.specs import AdverseCondition, DatasetSpec, SplitSpec

FOLDER = "drivingstereo"
WEATHERS: tuple[str, ...] = ("sunny", "cloudy", "foggy", "rainy")
COUNT = 500
HOW_TO_GET = ("Download the 'different weathers' full-size left images and disparity maps and the full-image "
              "calibration from https://drivingstereo-dataset.github.io/ into DATA_ROOT/drivingstereo/"
              "<weather>/{left-image-full-size,disparity-map-full-size}/ and DATA_ROOT/drivingstereo/"
              "full-image-calib/; see docs/datasets.md")


#: Robust-Depth's DrivingStereo weather evaluation (Saunders et al., ICCV 2023; WeatherDepth, ICRA 2024, is the same):
#: Monodepth2's scoring with every positive GT pixel valid (``mask = gt_depth > 0``: no cap, no crop).
PROTOCOL = Protocol(
    reference="Robust-Depth (github.com/kieran514/robustdepth): Robust-Depth/evaluate_depth.py::evaluate, "
              "--eval_split sunny|cloudy|foggy|rainy (mask gt > 0, cv2.resize of the disparity, np.median, clamp "
              "1e-3..80); WeatherDepth's Evaluate.py::evaluate does the same",
    min_depth=1e-3, max_depth=80.0, gt_range=(0.0, math.inf), upsample_mode="bilinear", align_corners=False,
    upsample_space="disparity", median="numpy", input_size="model", input_resample="lanczos", flip_pp=False,
    flip_pp_space="disparity")


def _factory(weather: str) -> Callable[..., Any]:
    name = f"drivingstereo-{weather}"

    def factory(data_root=None, **options):
        """The 500 full-size frames of one weather set."""
        from udebench.data.drivingstereo.split import DrivingStereoSplit
        from udebench.data.root import dataset_dir

        if options:
            raise TypeError(f"split {name!r} does not take option(s) {', '.join(sorted(options))}")
        return DrivingStereoSplit(dataset_dir(data_root, FOLDER, split=name, how_to_get=HOW_TO_GET), weather,
                                  name=name)

    return factory


def _check(weather: str) -> Callable[..., Any]:
    name = f"drivingstereo-{weather}"

    def check(data_root=None):
        from udebench.data.drivingstereo.split import DrivingStereoSplit
        from udebench.data.file_check import files_check, missing_root_check
        from udebench.data.root import dataset_dir, resolve_data_root
        from udebench.errors import DataNotFoundError

        try:
            root = dataset_dir(data_root, FOLDER, split=name, how_to_get=HOW_TO_GET)
            split = DrivingStereoSplit(root, weather, name=name)
        except DataNotFoundError as exc:
            base = resolve_data_root(data_root)
            where = f"{base or '$UDEBENCH_DATA_ROOT'}/{FOLDER}" + (f"/{weather}" if base else "")
            return missing_root_check(name, exc, COUNT, where)
        return files_check(name, ((s, [split.disparity_path(s), split.calibration_path(s)])
                                  for s in split.sample_ids), root=root, advice=HOW_TO_GET)

    return check


@hookimpl
def register_datasets(register):
    register(DatasetSpec(name="drivingstereo", folder=FOLDER, how_to_get=HOW_TO_GET,
                         description="DrivingStereo weather sets, depth from disparity (f·B/d)"))


@hookimpl
def register_splits(register):
    for weather in WEATHERS:
        register(SplitSpec(
            name=f"drivingstereo-{weather}", factory=_factory(weather), dataset="drivingstereo", condition=weather,
            protocol=PROTOCOL, expected_count=COUNT, check=_check(weather),
            adverse=None if weather == "sunny" else AdverseCondition(
                group="drivingstereo", clean_split="drivingstereo-sunny", condition=weather),
            description=f"DrivingStereo {weather} set: 500 full-size left frames, depth = f*B/d"))
