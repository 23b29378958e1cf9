"""KITTI Eigen: calibration, velodyne projection (Monodepth2 conventions), GT sources, manifest and check."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from udebench import get_split
from udebench.data.kitti import eigen as eigen_module
from udebench.data.kitti.calibration import load_calibration
from udebench.data.kitti.velodyne import velodyne_depth_map
from udebench.errors import CorruptSampleError, DataNotFoundError
from udebench.plugins import split_spec

DATE = "2011_09_26"
DRIVE = "2011_09_26_drive_0002_sync"
FRAMES = ("0000000069", "0000000054")
IDS = [f"{DRIVE}/{frame}" for frame in FRAMES]
HEIGHT, WIDTH = 40, 132  # KITTI's aspect ratio (375×1242), so KITTI-C's 192×640 images match it

# A camera-2 projection with KITTI's shape: fx, fy, cx, cy and a non-zero fourth column (baseline).
P_RECT_02 = np.array([[52.0, 0.0, 31.3, 4.485], [0.0, 51.0, 19.6, 0.2164], [0.0, 0.0, 1.0, 0.0027]])


def _rot(axis: str, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return {"x": np.array([[1, 0, 0], [0, c, -s], [0, s, c]]), "y": np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]),
            "z": np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])}[axis]


R_RECT_00 = _rot("y", 0.01) @ _rot("x", -0.008)
# velodyne (x fwd, y left, z up) -> camera (x right, y down, z fwd), slightly rotated, and a lever arm
AXES = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0]])
VELO_R = _rot("y", 0.02) @ _rot("z", -0.015) @ AXES
VELO_T = np.array([-0.004, -0.076, -0.27])


def _fmt(values) -> str:
    return " ".join(f"{v:.12e}" for v in np.ravel(values))


def write_calibration(date_dir: Path) -> None:
    date_dir.mkdir(parents=True, exist_ok=True)
    (date_dir / "calib_cam_to_cam.txt").write_text(
        "calib_time: 09-Jan-2012 13:57:47\ncorner_dist: 9.950000e-02\n"
        f"S_rect_00: {WIDTH}.0 {HEIGHT}.0\nR_rect_00: {_fmt(R_RECT_00)}\nP_rect_00: {_fmt(np.eye(3, 4))}\n"
        f"S_rect_02: {float(WIDTH)} {float(HEIGHT)}\nR_rect_02: {_fmt(np.eye(3))}\nP_rect_02: {_fmt(P_RECT_02)}\n")
    (date_dir / "calib_velo_to_cam.txt").write_text(
        f"calib_time: 15-Mar-2012 11:37:16\nR: {_fmt(VELO_R)}\nT: {_fmt(VELO_T)}\n"
        "delta_f: 0.000000e+00 0.000000e+00\ndelta_c: 0.000000e+00 0.000000e+00\n")


def expected_projection(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, col, velodyne x) by explicit float64 products P_rect_02 · R_rect_00 · [R|T]; KITTI's 1-based pixels."""
    r_rect = np.eye(4)
    r_rect[:3, :3] = R_RECT_00
    velo_to_cam = np.eye(4)
    velo_to_cam[:3, :3], velo_to_cam[:3, 3] = VELO_R, VELO_T
    homogeneous = np.c_[points[:, :3].astype(np.float64), np.ones(len(points))]
    projected = (P_RECT_02 @ r_rect @ velo_to_cam @ homogeneous.T).T
    cols = np.round(projected[:, 0] / projected[:, 2]) - 1
    rows = np.round(projected[:, 1] / projected[:, 2]) - 1
    return rows.astype(int), cols.astype(int), points[:, 0].astype(np.float64)


def scan_points(seed: int) -> np.ndarray:
    """In-view points, one pair on (nearly) the same ray, and a point behind the sensor (x < 0)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(4.0, 40.0, 30)
    pts = np.c_[x, rng.uniform(-0.45, 0.45, 30) * x, rng.uniform(-0.2, 0.25, 30) * x, rng.random(30)]
    far = pts[0].copy()
    far[:3] *= 1.6  # farther along the velodyne ray: the same or a neighbouring pixel
    behind = np.array([-10.0, 0.5, 0.3, 0.5])
    return np.vstack([pts, far, behind]).astype(np.float32)


def rgb(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)


def make_kitti_root(root: Path, frames=FRAMES) -> Path:
    """``<root>/kitti`` in the raw layout: calibration, images and scans of ``frames`` of one drive."""
    kitti = root / "kitti"
    write_calibration(kitti / DATE)
    drive = kitti / DATE / DRIVE
    (drive / "image_02" / "data").mkdir(parents=True)
    (drive / "velodyne_points" / "data").mkdir(parents=True)
    for i, frame in enumerate(frames):
        cv2.imwrite(str(drive / "image_02" / "data" / f"{frame}.png"), rgb(i)[..., ::-1])
        scan_points(i).tofile(drive / "velodyne_points" / "data" / f"{frame}.bin")
    return kitti


@pytest.fixture
def small_manifest(monkeypatch):
    """The Eigen manifest cut to the fixture's two frames (the real one lists 697)."""
    manifest = {"split": "kitti-eigen", "count": 2, "sample_ids": IDS, "improved_gt_sample_ids": IDS[:1]}
    monkeypatch.setattr(eigen_module, "load_manifest", lambda split: manifest)
    return manifest


def test_calibration_reads_projection_rectification_and_size(tmp_path):
    write_calibration(tmp_path)
    calib = load_calibration(tmp_path)
    np.testing.assert_allclose(calib.p_rect_02, P_RECT_02)
    np.testing.assert_allclose(calib.r_rect_00[:3, :3], R_RECT_00)
    np.testing.assert_allclose(calib.velo_to_cam[:3, 3], VELO_T)
    assert calib.image_size == (HEIGHT, WIDTH)
    np.testing.assert_allclose(calib.intrinsics, P_RECT_02[:, :3])


def test_velodyne_projection_matches_hand_computed_pixels_and_depths(tmp_path):
    write_calibration(tmp_path)
    points = scan_points(0)
    depth = velodyne_depth_map(points, load_calibration(tmp_path))
    rows, cols, values = expected_projection(points)
    keep = (points[:, 0] >= 0) & (rows >= 0) & (cols >= 0) & (rows < HEIGHT) & (cols < WIDTH)
    expected = np.zeros((HEIGHT, WIDTH))
    for r, c, value in sorted(zip(rows[keep], cols[keep], values[keep], strict=True), key=lambda t: -t[2]):
        expected[r, c] = value  # far first: the nearest point on a pixel is written last
    assert keep.sum() > 20 and depth.dtype == np.float32
    np.testing.assert_allclose(depth, expected, rtol=1e-6)


def test_points_behind_the_sensor_are_dropped(tmp_path):
    write_calibration(tmp_path)
    depth = velodyne_depth_map(scan_points(0)[-1:], load_calibration(tmp_path))
    assert not depth.any()


def test_duplicate_pixels_keep_the_nearest_point(tmp_path):
    write_calibration(tmp_path)
    near = np.array([[12.0, 1.0, 0.5, 0.0]], dtype=np.float32)
    rows, cols, _ = expected_projection(near)
    grid_y, grid_z = np.meshgrid(np.linspace(0.0, 6.0, 301), np.linspace(-1.0, 3.0, 201))
    candidates = np.c_[np.full(grid_y.size, 30.0), grid_y.ravel(), grid_z.ravel(), np.zeros(grid_y.size)]
    r, c, _ = expected_projection(candidates)
    same = np.flatnonzero((r == rows[0]) & (c == cols[0]))
    assert same.size, "no farther point on the same pixel"
    twin = candidates[same[:1]].astype(np.float32)
    calib = load_calibration(tmp_path)
    for order in (np.vstack([near, twin]), np.vstack([twin, near])):
        depth = velodyne_depth_map(order, calib)
        assert depth[rows[0], cols[0]] == pytest.approx(12.0)
        assert np.count_nonzero(depth) == 1


def test_camera_z_option_stores_camera_depth(tmp_path):
    write_calibration(tmp_path)
    point = np.array([[20.0, 0.5, 0.2, 0.0]], dtype=np.float32)
    calib = load_calibration(tmp_path)
    z = (calib.velo_to_image @ np.r_[point[0, :3].astype(np.float64), 1.0])[2]
    depth = velodyne_depth_map(point, calib, value="camera_z")
    assert depth.max() == pytest.approx(z, rel=1e-6) and z != pytest.approx(20.0)


def test_manifest_is_the_697_monodepth2_eigen_test_frames():
    ids = eigen_module.eigen_sample_ids()
    improved = eigen_module.eigen_sample_ids("improved")
    assert len(ids) == len(set(ids)) == 697 and split_spec("kitti-eigen").expected_count == 697
    assert ids[0] == "2011_09_26_drive_0002_sync/0000000069" and ids[-1] == "2011_10_03_drive_0047_sync/0000000768"
    assert len(improved) == 652 and set(improved) <= set(ids)


def test_split_reads_image_velodyne_gt_and_intrinsics(tmp_path, small_manifest):
    make_kitti_root(tmp_path)
    split = get_split("kitti-eigen", data_root=str(tmp_path))
    assert split.sample_ids == IDS and len(split) == 2 and split.config["gt"] == "velodyne"
    sample = split[1]
    np.testing.assert_array_equal(sample["image"], rgb(1))
    assert sample["depth"].shape == (HEIGHT, WIDTH) and sample["depth"].dtype == np.float32
    np.testing.assert_allclose(sample["intrinsics"], P_RECT_02[:, :3])
    assert sample["sample_id"] == IDS[1] and sample["condition"] == "eigen"
    calib = load_calibration(tmp_path / "kitti" / DATE)
    np.testing.assert_array_equal(sample["depth"], velodyne_depth_map(scan_points(1), calib))


def test_split_spec_has_kitti_caps_and_garg_crop():
    spec = split_spec("kitti-eigen")
    assert (spec.min_depth, spec.max_depth, spec.eval_crop) == (1e-3, 80.0, "garg")


def test_improved_gt_is_the_annotated_png_divided_by_256(tmp_path, small_manifest):
    make_kitti_root(tmp_path)
    folder = tmp_path / "kitti" / "data_depth_annotated" / "val" / DRIVE / "proj_depth" / "groundtruth" / "image_02"
    folder.mkdir(parents=True)
    raw = np.zeros((HEIGHT, WIDTH), dtype=np.uint16)
    raw[10, 20], raw[30, 40] = 5120, 65535
    cv2.imwrite(str(folder / f"{FRAMES[0]}.png"), raw)
    split = get_split("kitti-eigen", data_root=str(tmp_path), gt="improved")
    assert split.sample_ids == IDS[:1]
    depth = split[0]["depth"]
    assert depth[10, 20] == 20.0 and depth[30, 40] == pytest.approx(65535 / 256) and np.count_nonzero(depth) == 2


def test_npz_gt_is_used_when_scans_are_absent(tmp_path, small_manifest):
    kitti = make_kitti_root(tmp_path)
    maps = [np.full((HEIGHT, WIDTH), float(i + 1), dtype=np.float32) for i in range(2)]
    archive = np.empty(2, dtype=object)
    archive[:] = maps
    np.savez_compressed(kitti / "gt_depths.npz", data=archive)
    for frame in FRAMES:
        (kitti / DATE / DRIVE / "velodyne_points" / "data" / f"{frame}.bin").unlink()
    split = get_split("kitti-eigen", data_root=str(tmp_path))
    assert split.config["gt"] == "npz"
    np.testing.assert_array_equal(split[1]["depth"], maps[1])


def test_check_complete_copy_is_ok(tmp_path, small_manifest):
    make_kitti_root(tmp_path)
    report = split_spec("kitti-eigen").check(data_root=str(tmp_path))
    assert report.ok and (report.found, report.expected) == (2, 2) and not report.missing


def test_check_names_missing_files_and_where_they_go(tmp_path, small_manifest):
    kitti = make_kitti_root(tmp_path, frames=FRAMES[:1])
    report = split_spec("kitti-eigen").check(data_root=str(tmp_path))
    assert not report.ok and (report.found, report.expected) == (1, 2)
    image = kitti / DATE / DRIVE / "image_02" / "data" / f"{FRAMES[1]}.png"
    scan = kitti / DATE / DRIVE / "velodyne_points" / "data" / f"{FRAMES[1]}.bin"
    assert report.missing[0].startswith(IDS[1]) and str(image) in report.missing[0] and str(scan) in report.missing[0]
    assert "kitti" in report.advice


def test_check_against_the_real_manifest_counts_697(tmp_path):
    make_kitti_root(tmp_path)
    report = split_spec("kitti-eigen").check(data_root=str(tmp_path))
    assert not report.ok and report.expected == 697 and report.found == 2
    assert len(report.missing) == 6 and report.missing[-1] == "... and 690 more samples"


def test_check_without_data_root_says_where_the_data_goes(monkeypatch):
    monkeypatch.delenv("UDEBENCH_DATA_ROOT", raising=False)
    report = split_spec("kitti-eigen").check(data_root=None)
    assert not report.ok and "--data-root" in report.advice and "kitti" in report.advice


def test_missing_data_root_is_a_one_line_error(tmp_path):
    with pytest.raises(DataNotFoundError) as info:
        get_split("kitti-eigen", data_root=str(tmp_path))
    assert "\n" not in str(info.value) and str(tmp_path / "kitti") in str(info.value)


def test_corrupt_image_names_the_file(tmp_path, small_manifest):
    kitti = make_kitti_root(tmp_path)
    image = kitti / DATE / DRIVE / "image_02" / "data" / f"{FRAMES[0]}.png"
    image.write_bytes(b"not a png")
    with pytest.raises(CorruptSampleError, match=str(image)):
        get_split("kitti-eigen", data_root=str(tmp_path))[0]


def test_a_model_evaluates_on_the_split_with_the_garg_crop(tmp_path, small_manifest, tiny_plugin):
    from udebench import evaluate

    make_kitti_root(tmp_path)
    summary = evaluate("tiny", "kitti-eigen", data_root=str(tmp_path), results=tmp_path / "r.sqlite",
                       num_workers=0, progress=False)
    assert summary.n_samples == 2 and summary.metrics["abs_rel"] > 0
