"""Registers nuScenes and its splits. Cheap to import: the reader is imported inside the factories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from udebench.evaluation.protocol_spec import Protocol
from udebench.hookspecs import hookimpl
from udebench.specs import AdverseCondition, DatasetSpec, SplitSpec

FOLDER = "nuscenes"
HOW_TO_GET = ("Download nuScenes v1.0 (trainval metadata and the file blobs with samples/CAM_FRONT and "
              "samples/LIDAR_TOP, or v1.0-mini) from https://www.nuscenes.org/nuscenes and unpack them into "
              "DATA_ROOT/nuscenes/ (v1.0-trainval/*.json, samples/...); see docs/datasets.md")
#: published md4all validation counts (night-rain samples count under both night and rain)
COUNTS: dict[str, int] = {"day": 4449, "night": 602, "rain": 1088}
VERSIONS: dict[str, str] = {"nuscenes": "v1.0-trainval", "nuscenes-mini": "v1.0-mini"}
_TEXT = {"day": "day-clear (description has neither 'night' nor 'rain')",
         "night": "night (description contains 'night'; includes night-rain)",
         "rain": "rain (description contains 'rain'; includes night-rain)"}


#: md4all's nuScenes evaluation (Gasperini et al., ICCV 2023).
PROTOCOL = Protocol(
    reference="md4all (github.com/md4all/md4all): utils/depth.py::compute_depth_metrics via "
              "evaluation/evaluator.py::Evaluator.evaluate_depth; inputs resized by "
              "data/nuscenes_dataset.py::NuScenesDataModule.setup (320x576, LANCZOS); caps from config/config.py",
    min_depth=0.1, max_depth=80.0, upsample_mode="bilinear", align_corners=True, upsample_space="prediction",
    median="torch", input_size=(320, 576), input_resample="lanczos", flip_pp=False, flip_pp_space="disparity")


def _factory(prefix: str, condition: str) -> Callable[..., Any]:
    name = f"{prefix}-{condition}"

    def factory(data_root=None, **options):
        """CAM_FRONT key frames of the val scenes; options: version, min_dist."""
        from udebench.data.nuscenes.split import NuScenesSplit
        from udebench.data.root import dataset_dir

        version = options.pop("version", None) or VERSIONS[prefix]
        min_dist = options.pop("min_dist", None)
        if options:
            raise TypeError(f"split {name!r} does not take option(s) {', '.join(sorted(options))}")
        root = dataset_dir(data_root, FOLDER, split=name, how_to_get=HOW_TO_GET)
        extra = {} if min_dist is None else {"min_dist": float(min_dist)}
        return NuScenesSplit(root, version, condition, name=name, **extra)

    return factory


def _check(prefix: str, condition: str) -> Callable[..., Any]:
    name = f"{prefix}-{condition}"
    expected = COUNTS[condition] if prefix == "nuscenes" else None

    def check(data_root=None):
        from udebench.data.file_check import dataset_dir_or_report, files_check
        from udebench.data.nuscenes.split import NuScenesSplit
        from udebench.data.nuscenes.tables import NuScenesTables
        from udebench.specs import DataCheck

        root, missing = dataset_dir_or_report(name, data_root, FOLDER, how_to_get=HOW_TO_GET, expected=expected)
        if missing is not None:
            return missing
        tables = NuScenesTables(root, VERSIONS[prefix])
        absent = tables.missing_tables()
        if absent:
            return DataCheck(split=name, ok=False, where=str(root), found=0, expected=expected,
                             missing=[f"table {p.name} (goes in {p.parent})" for p in absent], advice=HOW_TO_GET)
        split = NuScenesSplit(root, VERSIONS[prefix], condition, name=name)
        return files_check(name, ((token, split.files_of(token)) for token in split.sample_ids), root=root,
                           advice=HOW_TO_GET)

    return check


@hookimpl
def register_datasets(register):
    register(DatasetSpec(name="nuscenes", folder=FOLDER, how_to_get=HOW_TO_GET,
                         description="nuScenes CAM_FRONT with LIDAR_TOP depth; md4all day/night/rain labels"))


@hookimpl
def register_splits(register):
    for prefix, version in VERSIONS.items():
        for condition in ("day", "night", "rain"):
            register(SplitSpec(
                name=f"{prefix}-{condition}", factory=_factory(prefix, condition), dataset="nuscenes",
                condition=condition, protocol=PROTOCOL,
                description=f"{version} validation CAM_FRONT key frames, {_TEXT[condition]}",
                expected_count=COUNTS[condition] if prefix == "nuscenes" else None,
                check=_check(prefix, condition),
                adverse=None if condition == "day" else AdverseCondition(
                    group=prefix, clean_split=f"{prefix}-day", condition=condition)))
