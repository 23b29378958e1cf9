"""Registers Oxford RobotCar (md4all's day and night test scenes). Cheap to import."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from udebench.evaluation.protocol_spec import Protocol
from udebench.hookspecs import hookimpl
from udebench.specs import AdverseCondition, DatasetSpec, SplitSpec

FOLDER = "robotcar"
SCENES: dict[str, str] = {"day": "2014-12-09-13-21-02", "night": "2014-12-16-18-44-24"}
HOW_TO_GET = ("Download stereo/left (Bayer PNGs) and lms_front with vo of drives 2014-12-09-13-21-02 and "
              "2014-12-16-18-44-24 from https://robotcar-dataset.robots.ox.ac.uk, models/ and extrinsics/ from "
              "github.com/ori-mrg/robotcar-dataset-sdk, and md4all's split files (request form in md4all's README) "
              "into DATA_ROOT/robotcar/splits/; see docs/datasets.md")


#: md4all's RobotCar evaluation: the 768x1280 crop (done by the split) resized to 320x544, GT up to 50 m.
PROTOCOL = Protocol(
    reference="md4all (github.com/md4all/md4all): utils/depth.py::compute_depth_metrics via "
              "evaluation/evaluator.py::Evaluator.evaluate_depth; crop and resize in "
              "data/robotcar/robotcar_dataset.py::RobotCarDataModule.setup (768x1280 -> 320x544, LANCZOS); "
              "caps from config/eval_md4allDDa_50m_robotcar_test.yaml",
    min_depth=0.1, max_depth=50.0, upsample_mode="bilinear", align_corners=True, upsample_space="prediction",
    median="torch", input_size=(320, 544), input_resample="lanczos", flip_pp=False, flip_pp_space="disparity")


def list_file_path(root, scene: str):
    return root / "splits" / f"{scene}_test.txt"


def _factory(condition: str) -> Callable[..., Any]:
    name = f"robotcar-{condition}"

    def factory(data_root=None, **options):
        """md4all's RobotCar test images of one drive; options: list_file, camera, time_span_us."""
        from pathlib import Path

        from udebench.data.robotcar.split import RobotCarSplit
        from udebench.data.root import dataset_dir

        list_file = options.pop("list_file", None)
        camera = options.pop("camera", None) or "stereo/left"
        time_span = options.pop("time_span_us", None) or 4_000_000
        if options:
            raise TypeError(f"split {name!r} does not take option(s) {', '.join(sorted(options))}")
        root = dataset_dir(data_root, FOLDER, split=name, how_to_get=HOW_TO_GET)
        scene = SCENES[condition]
        path = Path(list_file) if list_file else list_file_path(root, scene)
        return RobotCarSplit(root, scene, condition, path, name=name, camera=camera, time_span=int(time_span))

    return factory


def _check(condition: str) -> Callable[..., Any]:
    name = f"robotcar-{condition}"

    def check(data_root=None):
        from udebench.data.file_check import dataset_dir_or_report, files_check
        from udebench.data.robotcar.split import CAMERA_MODELS, read_list_file
        from udebench.specs import DataCheck

        root, missing = dataset_dir_or_report(name, data_root, FOLDER, how_to_get=HOW_TO_GET)
        if missing is not None:
            return missing
        scene = SCENES[condition]
        list_file = list_file_path(root, scene)
        if not list_file.is_file():
            return DataCheck(split=name, ok=False, where=str(root), found=0,
                             missing=[f"list file {list_file.name} (goes in {list_file.parent})"], advice=HOW_TO_GET)
        shared = [root / "models" / f"{CAMERA_MODELS['stereo/left']}.txt", root / "extrinsics" / "stereo.txt",
                  root / "extrinsics" / "lms_front.txt", root / scene / "vo" / "vo.csv",
                  root / scene / "lms_front.timestamps"]
        absent = [p for p in shared if not p.is_file()]
        report = files_check(name, ((t, [root / scene / "stereo" / "left" / f"{t}.png"])
                                    for t in read_list_file(list_file)), root=root, advice=HOW_TO_GET)
        if absent:
            report.ok = False
            report.missing = [f"{p.name} (goes in {p.parent})" for p in absent] + report.missing
            report.advice = HOW_TO_GET
        return report

    return check


@hookimpl
def register_datasets(register):
    register(DatasetSpec(name="robotcar", folder=FOLDER, how_to_get=HOW_TO_GET,
                         description="Oxford RobotCar left stereo camera with front-LMS depth (md4all test split)"))


@hookimpl
def register_splits(register):
    for condition, scene in SCENES.items():
        register(SplitSpec(
            name=f"robotcar-{condition}", factory=_factory(condition), dataset="robotcar", condition=condition,
            protocol=PROTOCOL, check=_check(condition),
            adverse=None if condition == "day" else AdverseCondition(
                group="robotcar", clean_split="robotcar-day", condition=condition),
            description=f"RobotCar {scene} ({condition}), md4all test list, stereo/left 768x1280, "
                        "lms_front ±4 s via VO"))
