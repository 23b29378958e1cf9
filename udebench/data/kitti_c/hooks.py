"""Registers KITTI-C: 18 corruptions × 5 severities as splits ``kitti-c-<corruption>-<severity>``, and each
corruption as a translator ``corrupt-<corruption>`` (conditions "1".."5"). Cheap to import: no numpy.

Corruption names keep RoboDepth's spelling (its folder names, with underscores); hyphens only
separate dataset, corruption and severity: ``kitti-c-gaussian_noise-3``, ``synth-day@corrupt-fog-3``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from udebench.evaluation.protocol_spec import Protocol
from udebench.hookspecs import hookimpl
from udebench.specs import AdverseCondition, DatasetSpec, SplitSpec, TranslatorSpec

#: must equal udebench.data.kitti_c.corruptions.CORRUPTIONS (a test checks); literal to avoid importing numpy.
CORRUPTIONS: tuple[str, ...] = (
    "brightness", "dark", "fog", "frost", "snow", "contrast",
    "defocus_blur", "glass_blur", "motion_blur", "zoom_blur", "elastic_transform", "color_quant",
    "gaussian_noise", "impulse_noise", "shot_noise", "iso_noise", "pixelate", "jpeg_compression",
)
SEVERITIES: tuple[int, ...] = (1, 2, 3, 4, 5)
FOLDER = "kitti_c"
HOW_TO_GET = ("Either unzip RoboDepth's kitti_c.zip (github.com/ldkong1205/RoboDepth, docs/DATA_PREPARE.md) into "
              "<root>/kitti_c/<corruption>/<severity>/kitti_data/..., or let udebench generate the images from "
              "KITTI raw in <root>/kitti; the ground truth always comes from <root>/kitti")


#: RoboDepth's KITTI-C evaluation: Monodepth2's scoring, the 640x192 corrupted image fed as it is.
PROTOCOL = Protocol(
    reference="RoboDepth (github.com/ldkong1205/RoboDepth): zoo/MonoDepth2/evaluate_kittic.py::evaluate "
              "(Monodepth2's scoring: cv2.resize of the disparity, Garg crop, np.median, clamp 1e-3..80); the "
              "640x192 image fed as loaded by zoo/MonoDepth2/datasets/mono_dataset_kittic.py::MonoDataset",
    min_depth=1e-3, max_depth=80.0, crop="garg", upsample_mode="bilinear", align_corners=False,
    upsample_space="disparity", median="numpy", input_size="as_given", flip_pp=False, flip_pp_space="disparity")


def split_name(corruption: str, severity: int) -> str:
    return f"kitti-c-{corruption}-{severity}"


def _kitti_c_dir(data_root: str | None):
    from udebench.data.root import resolve_data_root

    root = resolve_data_root(data_root)
    return root / FOLDER if root is not None and (root / FOLDER).is_dir() else None


def _factory(corruption: str, severity: int) -> Callable[..., Any]:
    name = split_name(corruption, severity)

    def factory(data_root: str | None = None, **options: Any):
        """Options: ``source`` (auto | released | generated), ``gt`` (as kitti-eigen), ``seed`` (generated only)."""
        from udebench.data.kitti.hooks import kitti_eigen_factory
        from udebench.data.kitti_c.robodepth import has_released, severity_dir
        from udebench.data.kitti_c.split import SOURCES, KittiCSplit
        from udebench.errors import DataNotFoundError, UdebenchError

        source = options.pop("source", None) or "auto"
        seed = int(options.pop("seed", None) or 0)
        gt = options.pop("gt", None)
        if options:
            raise TypeError(f"split {name!r} does not take option(s) {', '.join(sorted(options))}")
        if source not in SOURCES:
            raise UdebenchError(f"{name}: option source={source!r}; choose one of {', '.join(SOURCES)}")
        kitti_c_dir = _kitti_c_dir(data_root)
        if source == "auto":
            source = "released" if has_released(kitti_c_dir, corruption, severity) else "generated"
        if source == "released" and not has_released(kitti_c_dir, corruption, severity):
            where = severity_dir(kitti_c_dir, corruption, severity) if kitti_c_dir else f"<root>/{FOLDER}"
            raise DataNotFoundError(f"{name}: {where} does not exist; {HOW_TO_GET}")
        eigen = kitti_eigen_factory(data_root=data_root, gt=gt)
        return KittiCSplit(eigen, corruption, severity, source=source, kitti_c_dir=kitti_c_dir, seed=seed,
                           name=name)

    return factory


def _check(corruption: str, severity: int) -> Callable[..., Any]:
    name = split_name(corruption, severity)

    def check(data_root: str | None = None):
        """Released images when their folder is there, else KITTI raw images to generate from; GT either way."""
        from udebench.data.kitti.hooks import check_kitti_eigen
        from udebench.data.kitti_c.robodepth import has_released, released_image_path, severity_dir

        kitti_c_dir = _kitti_c_dir(data_root)
        if not has_released(kitti_c_dir, corruption, severity):
            report = check_kitti_eigen(data_root, split=name)
            report.where += f" (images generated: no RoboDepth folder {FOLDER}/{corruption}/{severity})"
            return report

        def released(sample_id: str):
            return released_image_path(kitti_c_dir, corruption, severity, sample_id)

        report = check_kitti_eigen(data_root, split=name, need_images=False, extra=released, advice=HOW_TO_GET)
        report.where = f"{severity_dir(kitti_c_dir, corruption, severity)} (GT: {report.where})"
        return report

    return check


def _translator_factory(corruption: str) -> Callable[..., Any]:
    def factory(seed: int = 0):
        from udebench.data.kitti_c.translator import corruption_translator

        return corruption_translator(corruption, seed=seed)

    return factory


@hookimpl
def register_datasets(register):
    register(DatasetSpec(name="kitti-c", description="RoboDepth's KITTI-C: the Eigen test split under 18 corruptions",
                         folder=FOLDER, how_to_get=HOW_TO_GET))


@hookimpl
def register_splits(register):
    for corruption in CORRUPTIONS:
        for severity in SEVERITIES:
            register(SplitSpec(
                name=split_name(corruption, severity), factory=_factory(corruption, severity), dataset="kitti-c",
                condition=f"{corruption}-{severity}", protocol=PROTOCOL,
                description=f"KITTI Eigen test split, {corruption.replace('_', ' ')} at severity {severity} "
                            "(RoboDepth's images, or generated)",
                expected_count=697, check=_check(corruption, severity),
                adverse=AdverseCondition(group="kitti-c", clean_split="kitti-eigen", condition=corruption,
                                         severity=severity)))


@hookimpl
def register_translators(register):
    for corruption in CORRUPTIONS:
        register(TranslatorSpec(
            name=f"corrupt-{corruption}", factory=_translator_factory(corruption),
            conditions=tuple(str(s) for s in SEVERITIES),
            description=f"RoboDepth's {corruption.replace('_', ' ')} corruption; condition = severity 1-5"))
