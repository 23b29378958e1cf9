"""RobotCar reader: SDK conventions, ±4 s accumulation with VO, projection, crop, check."""

from __future__ import annotations

import numpy as np
import pytest

from tests.data_fixtures_real import RC_CX, RC_CY, RC_DAY, RC_F, RC_T0, rc_expected_pixels, write_robotcar
from udebench.api import get_split
from udebench.errors import CorruptSampleError, DataNotFoundError


def test_se3_is_rz_ry_rx():
    from udebench.data.robotcar.sdk import se3_from_xyzrpy

    yaw = se3_from_xyzrpy([1, 2, 3, 0, 0, np.pi / 2])
    np.testing.assert_allclose(yaw[:3, :3] @ [1, 0, 0], [0, 1, 0], atol=1e-12)
    np.testing.assert_allclose(yaw[:3, 3], [1, 2, 3])
    roll = se3_from_xyzrpy([0, 0, 0, np.pi / 2, 0, 0])
    np.testing.assert_allclose(roll[:3, :3] @ [0, 1, 0], [0, 0, 1], atol=1e-12)
    both = se3_from_xyzrpy([0, 0, 0, 0.3, 0.2, 0.1])
    expected = se3_from_xyzrpy([0, 0, 0, 0, 0, 0.1]) @ se3_from_xyzrpy([0, 0, 0, 0, 0.2, 0]) @ \
        se3_from_xyzrpy([0, 0, 0, 0.3, 0, 0])
    np.testing.assert_allclose(both, expected, atol=1e-12)


def test_depth_accumulates_scans_within_four_seconds(tmp_path):
    write_robotcar(tmp_path)
    split = get_split("robotcar-day", data_root=tmp_path)
    assert split.sample_ids == [str(RC_T0)] and split.config["time_span_us"] == 4_000_000
    sample = split[0]
    depth = sample["depth"]
    expected = [(row, col, z) for row, col, z in rc_expected_pixels() if row < 768]
    assert len(expected) == 3  # t0, +2.5 s (2 m ahead), -3 s (3 m behind); the +4.5 s scan is outside
    for row, col, z in expected:
        assert depth[row, col] == pytest.approx(z, abs=1e-4)
    assert np.count_nonzero(depth) == len(expected)


def test_image_and_depth_keep_the_top_768_rows(tmp_path):
    write_robotcar(tmp_path)
    sample = get_split("robotcar-day", data_root=tmp_path)[0]
    assert sample["image"].shape == (768, 1280, 3) and sample["image"].dtype == np.uint8
    assert sample["depth"].shape == (768, 1280) and sample["depth"].dtype == np.float32
    np.testing.assert_allclose(sample["intrinsics"], [[RC_F, 0, RC_CX], [0, RC_F, RC_CY], [0, 0, 1]])
    assert any(row >= 768 for row, _, _ in rc_expected_pixels())  # the bonnet point is cropped away


def test_raw_bayer_is_demosaiced_gbrg_and_undistorted(tmp_path):
    write_robotcar(tmp_path, raw_bayer=True, lut=True)
    image = get_split("robotcar-day", data_root=tmp_path)[0]["image"]
    np.testing.assert_array_equal(image[100:110, 100:110], np.broadcast_to([200, 100, 30], (10, 10, 3)))


def test_list_file_option(tmp_path):
    write_robotcar(tmp_path, samples=(RC_T0, RC_T0 + 1_000_000))
    other = tmp_path / "mine.txt"
    other.write_text(f"{RC_T0 + 1_000_000} extra tokens\n")
    split = get_split("robotcar-day", data_root=tmp_path, list_file=str(other))
    assert split.sample_ids == [str(RC_T0 + 1_000_000)] and split.config["list_file"] == str(other)


def test_corrupt_image_names_the_file(tmp_path):
    base = write_robotcar(tmp_path)
    path = base / RC_DAY / "stereo" / "left" / f"{RC_T0}.png"
    path.write_bytes(b"\x89PNG broken")
    with pytest.raises(CorruptSampleError, match=f"{RC_T0}.png"):
        get_split("robotcar-day", data_root=tmp_path)[0]


def test_missing_root_is_one_line(tmp_path):
    with pytest.raises(DataNotFoundError) as info:
        get_split("robotcar-night", data_root=tmp_path)
    assert "\n" not in str(info.value) and "robotcar" in str(info.value)


def test_check_names_missing_image_and_list_file(tmp_path):
    from udebench.plugins import split_spec

    base = write_robotcar(tmp_path, samples=(RC_T0, RC_T0 + 1_000_000))
    assert split_spec("robotcar-day").check(data_root=tmp_path).ok
    (base / RC_DAY / "stereo" / "left" / f"{RC_T0}.png").unlink()
    report = split_spec("robotcar-day").check(data_root=tmp_path)
    assert not report.ok and report.found == 1
    assert any(f"{RC_T0}.png" in item and "stereo/left" in item for item in report.missing)
    night = split_spec("robotcar-night").check(data_root=tmp_path)
    assert not night.ok and any("2014-12-16-18-44-24_test.txt" in item for item in night.missing)


def test_projection_keeps_the_nearest_point():
    from udebench.data.robotcar.split import project_md4all

    class Model:
        focal_length, principal_point = (100.0, 100.0), (50.0, 40.0)
        G_camera_image = np.array([[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1.0]])

    # vehicle frame (x forward, y right, z down): both land on (u, v) = (60, 45)
    points = np.array([[10.0, 1.0, 0.5], [4.0, 0.4, 0.2]])
    depth = project_md4all(points, Model(), 80, 100)
    assert depth[45, 60] == pytest.approx(4.0) and np.count_nonzero(depth) == 1
