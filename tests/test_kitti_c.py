"""KITTI-C: the 18 corruptions (deterministic, shape-keeping, monotone in severity), RoboDepth's folders,
generated images, and the corruptions as translators on any split."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.test_data_kitti import DATE, DRIVE, FRAMES, HEIGHT, IDS, WIDTH, make_kitti_root, rgb
from udebench import get_split
from udebench.data.kitti import eigen as eigen_module
from udebench.data.kitti_c import hooks
from udebench.data.kitti_c.corruptions import CORRUPTIONS, corrupt
from udebench.data.kitti_c.robodepth import RELEASED_SIZE
from udebench.data.kitti_c.textures import frost_texture
from udebench.errors import DataNotFoundError
from udebench.plugins import registry, split_spec


@pytest.fixture
def small_manifest(monkeypatch):
    manifest = {"split": "kitti-eigen", "count": 2, "sample_ids": IDS, "improved_gt_sample_ids": IDS[:1]}
    monkeypatch.setattr(eigen_module, "load_manifest", lambda split: manifest)


def textured(height: int = 64, width: int = 96, seed: int = 0) -> np.ndarray:
    """Stripes, gradients and noise: every corruption has something to destroy."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:height, 0:width]
    image = np.stack([128 + 60 * np.sin(cols / 5.0) + 30 * np.cos(rows / 3.0),
                      100 + 80 * np.sin((cols + rows) / 7.0),
                      90 + 50 * np.cos(cols / 4.0) * np.sin(rows / 6.0)], axis=-1)
    return np.clip(image + rng.normal(0, 10, image.shape), 0, 255).astype(np.uint8)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0 ** 2 / max(mse, 1e-12)))


def test_hooks_list_equals_the_implementations():
    assert hooks.CORRUPTIONS == CORRUPTIONS and len(CORRUPTIONS) == 18


def test_90_splits_and_18_translators_are_registered():
    splits = [name for name in registry()["splits"] if name.startswith("kitti-c-")]
    assert len(splits) == 90 and "kitti-c-gaussian_noise-3" in splits and "kitti-c-jpeg_compression-5" in splits
    translators = registry()["translators"]
    assert all(translators[f"corrupt-{name}"].spec.conditions == ("1", "2", "3", "4", "5") for name in CORRUPTIONS)
    spec = split_spec("kitti-c-fog-3")
    assert (spec.min_depth, spec.max_depth, spec.eval_crop, spec.condition) == (1e-3, 80.0, "garg", "fog-3")


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_corruption_is_deterministic_and_keeps_shape_and_dtype(name):
    image = textured()
    first, again = corrupt(image, name, 3, seed=7), corrupt(image, name, 3, seed=7)
    assert first.shape == image.shape and first.dtype == np.uint8
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, image)


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_damage_grows_with_severity(name):
    image = textured()
    scores = [psnr(image, corrupt(image, name, severity, seed=3)) for severity in range(1, 6)]
    assert all(a > b for a, b in zip(scores[:-1], scores[1:], strict=True)), scores


@pytest.mark.parametrize("name", ["gaussian_noise", "snow", "frost", "glass_blur", "motion_blur"])
def test_random_corruptions_depend_on_the_seed(name):
    image = textured()
    assert not np.array_equal(corrupt(image, name, 2, seed=1), corrupt(image, name, 2, seed=2))


def test_frost_texture_is_procedural_and_seeded():
    a = frost_texture(48, 80, np.random.default_rng(0))
    assert a.shape == (48, 80, 3) and a.dtype == np.float32 and 0 <= a.min() and a.max() <= 1
    np.testing.assert_array_equal(a, frost_texture(48, 80, np.random.default_rng(0)))
    assert not np.array_equal(a, frost_texture(48, 80, np.random.default_rng(1)))


def test_bad_severity_or_name_is_refused():
    with pytest.raises(ValueError, match="severity"):
        corrupt(textured(), "fog", 6)
    with pytest.raises(ValueError, match="unknown corruption"):
        corrupt(textured(), "rain", 1)


@pytest.mark.parametrize("name", ["fog", "gaussian_noise", "elastic_transform"])
def test_translator_corrupts_a_synth_split_through_translated_split_names(name):
    corrupted = get_split(f"synth-day@corrupt-{name}-3", n_frames=2)
    clean = get_split("synth-day", n_frames=2)
    sample, reference = corrupted[1], clean[1]
    assert sample["condition"] == "3" and sample["sample_id"] == reference["sample_id"]
    assert sample["image"].shape == reference["image"].shape and sample["image"].dtype == np.uint8
    assert not np.array_equal(sample["image"], reference["image"])
    np.testing.assert_array_equal(sample["depth"], reference["depth"])
    np.testing.assert_array_equal(get_split(f"synth-day@corrupt-{name}-3", n_frames=2)[1]["image"], sample["image"])
    assert split_spec(f"synth-day@corrupt-{name}-3").condition == "3"


def test_translator_refuses_a_severity_outside_1_to_5():
    from udebench.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="conditions 1, 2, 3, 4, 5"):
        split_spec("synth-day@corrupt-fog-9")


def test_generated_split_corrupts_kitti_at_640x192_and_keeps_gt(tmp_path, small_manifest):
    make_kitti_root(tmp_path)
    split = get_split("kitti-c-gaussian_noise-4", data_root=str(tmp_path))
    clean = get_split("kitti-eigen", data_root=str(tmp_path))
    assert split.config["source"] == "generated" and split.sample_ids == IDS
    sample = split[0]
    assert sample["image"].shape == (*RELEASED_SIZE, 3) and sample["condition"] == "gaussian_noise-4"
    np.testing.assert_array_equal(sample["depth"], clean[0]["depth"])
    scale = np.array([[RELEASED_SIZE[1] / WIDTH], [RELEASED_SIZE[0] / HEIGHT], [1.0]])
    np.testing.assert_allclose(sample["intrinsics"], clean[0]["intrinsics"] * scale)
    assert not np.array_equal(sample["image"], rgb(0))
    np.testing.assert_array_equal(get_split("kitti-c-gaussian_noise-4", data_root=str(tmp_path))[0]["image"],
                                  sample["image"])


def write_released(root, corruption: str, severity: int, frames=FRAMES) -> list[np.ndarray]:
    folder = root / "kitti_c" / corruption / str(severity) / "kitti_data" / DATE / DRIVE / "image_02" / "data"
    folder.mkdir(parents=True)
    images = []
    for i, frame in enumerate(frames):
        image = np.random.default_rng(100 + i).integers(0, 256, (*RELEASED_SIZE, 3), dtype=np.uint8)
        cv2.imwrite(str(folder / f"{frame}.png"), image[..., ::-1])
        images.append(image)
    return images


def test_released_robodepth_images_are_given_as_they_are_with_full_resolution_gt(tmp_path, small_manifest):
    make_kitti_root(tmp_path)
    images = write_released(tmp_path, "fog", 3)
    split = get_split("kitti-c-fog-3", data_root=str(tmp_path))
    assert split.config["source"] == "released"
    sample = split[1]
    np.testing.assert_array_equal(sample["image"], images[1])  # 640x192, as RoboDepth's loader reads it
    assert sample["depth"].shape == (HEIGHT, WIDTH)
    assert split_spec("kitti-c-fog-3").check(data_root=str(tmp_path)).ok


def test_check_of_released_split_names_the_missing_image(tmp_path, small_manifest):
    make_kitti_root(tmp_path)
    write_released(tmp_path, "snow", 2, frames=FRAMES[:1])
    report = split_spec("kitti-c-snow-2").check(data_root=str(tmp_path))
    missing = tmp_path / "kitti_c" / "snow" / "2" / "kitti_data" / DATE / DRIVE / "image_02" / "data"
    assert not report.ok and report.found == 1 and str(missing / f"{FRAMES[1]}.png") in report.missing[0]


def test_released_source_without_the_folder_is_a_one_line_error(tmp_path, small_manifest):
    make_kitti_root(tmp_path)
    with pytest.raises(DataNotFoundError) as info:
        get_split("kitti-c-dark-1", data_root=str(tmp_path), source="released")
    assert "\n" not in str(info.value) and "kitti_c" in str(info.value)


def test_hooks_modules_import_without_numpy():
    import subprocess
    import sys

    code = ("import sys; import udebench.data.kitti.hooks, udebench.data.kitti_c.hooks, udebench.data.hf.hooks;"
            "print([m for m in ('numpy', 'cv2', 'torch', 'datasets', 'mmcv') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
