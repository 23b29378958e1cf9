"""Registers the KITTI dataset and the ``kitti-eigen`` split; cheap to import (no numpy)."""

from __future__ import annotations

from typing import Any

from udebench.evaluation.protocol_spec import Protocol
from udebench.hookspecs import hookimpl
from udebench.specs import DatasetSpec, SplitSpec

SPLIT = "kitti-eigen"
FOLDER = "kitti"
EIGEN_COUNT = 697
HOW_TO_GET = ("Download the KITTI raw sync drives of the Eigen test split and their calibration from "
              "https://www.cvlibs.net/datasets/kitti/raw_data.php into <root>/kitti/<date>/ (Monodepth2's "
              "splits/kitti_archives_to_download.txt lists the archives); see docs/datasets.md")


def how_to_get() -> str:
    return HOW_TO_GET


def kitti_eigen_factory(data_root: str | None = None, **options: Any):
    """Options: ``gt`` (auto | velodyne | npz | improved), ``depth_value`` (velodyne_x | camera_z)."""
    from udebench.data.kitti.eigen import KittiEigenSplit
    from udebench.data.root import dataset_dir

    gt = options.pop("gt", None) or "auto"
    depth_value = options.pop("depth_value", None) or "velodyne_x"
    if options:
        raise TypeError(f"split {SPLIT!r} does not take option(s) {', '.join(sorted(options))}")
    kitti_dir = dataset_dir(data_root, FOLDER, split=SPLIT, how_to_get=how_to_get())
    return KittiEigenSplit(kitti_dir, gt=gt, depth_value=depth_value)


def check_kitti_eigen(data_root: str | None = None, *, gt: str = "auto", split: str = SPLIT,
                      need_images: bool = True, extra: Any = None, advice: str = ""):
    """Presence of images, GT and calibration of every Eigen test frame, against the manifest."""
    from udebench.data.kitti.eigen import (
        NPZ_NAME,
        KittiEigenLayout,
        describe_missing,
        eigen_sample_ids,
        missing_files,
        resolve_gt,
    )
    from udebench.data.manifest import compare_with_manifest, load_manifest
    from udebench.data.root import dataset_dir
    from udebench.errors import DataNotFoundError
    from udebench.specs import DataCheck

    expected = eigen_sample_ids("improved" if gt == "improved" else "velodyne")
    try:
        kitti_dir = dataset_dir(data_root, FOLDER, split=split, how_to_get=how_to_get())
    except DataNotFoundError as exc:
        return DataCheck(split=split, ok=False, where=f"{data_root or '$UDEBENCH_DATA_ROOT'}/{FOLDER}", found=0,
                         expected=len(expected), advice=str(exc))
    layout = KittiEigenLayout(kitti_dir)
    resolved = resolve_gt(layout, gt, expected)
    missing = missing_files(layout, expected, resolved, need_images=need_images, extra=extra)
    manifest = dict(load_manifest(SPLIT) or {}, sample_ids=expected)
    report = compare_with_manifest(split, [i for i in expected if i not in missing], where=str(kitti_dir),
                                   manifest=manifest)
    if missing:
        report.missing = describe_missing(missing)
        report.advice = f"missing files are listed with the path they belong at; {advice or how_to_get()}"
    if resolved == "npz" and not layout.npz.is_file():  # only when asked for explicitly
        report.ok, report.found = False, 0
        report.missing.insert(0, f"Monodepth2's {NPZ_NAME}: {layout.npz}")
    return report


#: Monodepth2's KITTI Eigen evaluation (Godard et al., ICCV 2019).
PROTOCOL = Protocol(
    reference="Monodepth2 (github.com/nianticlabs/monodepth2): evaluate_depth.py::evaluate (cv2.resize of the "
              "disparity, Garg crop, np.median, clamp 1e-3..80); inputs resized to the model's size by "
              "datasets/mono_dataset.py::MonoDataset (PIL ANTIALIAS)",
    min_depth=1e-3, max_depth=80.0, crop="garg", upsample_mode="bilinear", align_corners=False,
    upsample_space="disparity", median="numpy", input_size="model", input_resample="lanczos", flip_pp=False,
    flip_pp_space="disparity")


@hookimpl
def register_datasets(register):
    register(DatasetSpec(name="kitti", description="KITTI raw drives, Eigen test split (camera 2, velodyne GT)",
                         folder=FOLDER, how_to_get=how_to_get()))


@hookimpl
def register_splits(register):
    register(SplitSpec(
        name=SPLIT, factory=kitti_eigen_factory, dataset="kitti", condition="eigen", protocol=PROTOCOL,
        description="KITTI Eigen test split: 697 frames, velodyne GT as Monodepth2 exports it (or gt=npz|improved)",
        expected_count=EIGEN_COUNT, check=check_kitti_eigen))
