"""nuScenes reader: tables, the lidar→camera chain, md4all's condition labels, check and CLI."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from tests.data_fixtures_real import (
    CAM_SENSOR,
    NUSC_K,
    NUSC_TARGETS,
    POSE_CAM,
    POSE_LIDAR,
    nusc_lidar_points,
    quat_about,
    quat_wxyz_to_matrix,
    rigid,
    write_nuscenes,
)
from udebench.api import get_split
from udebench.errors import CorruptSampleError, DataNotFoundError

TRAINVAL_SCENES = [
    ("scene-0003", "Wait at intersection, peds, ped crossing", 2),  # val, day-clear
    ("scene-0012", "Night, parking lot, big street", 1),  # val, night-clear
    ("scene-0013", "Rain, truck, peds", 1),  # val, day-rain
    ("scene-0014", "night, RAIN, wipers", 1),  # val, night-rain
    ("scene-0001", "Night, a training scene", 1),  # train: never in an evaluation split
]


@pytest.fixture
def trainval(tmp_path):
    return write_nuscenes(tmp_path, "v1.0-trainval", TRAINVAL_SCENES)


def test_quaternions_are_read_as_w_x_y_z():
    from udebench.data.nuscenes.projection import quaternion_to_rotation

    q = quat_about((0.3, -0.2, 1.0), 0.7)
    np.testing.assert_allclose(quaternion_to_rotation(q), quat_wxyz_to_matrix(*q), atol=1e-12)
    # 90° about z: x → y
    np.testing.assert_allclose(quaternion_to_rotation([0.7071067811865476, 0, 0, 0.7071067811865476]) @ [1, 0, 0],
                               [0, 1, 0], atol=1e-12)


def test_chain_matches_explicit_matrix_products():
    from tests.data_fixtures_real import LIDAR_SENSOR
    from udebench.data.nuscenes.projection import lidar_to_camera

    points = nusc_lidar_points()
    camera_from_global = np.linalg.inv(rigid(CAM_SENSOR)) @ np.linalg.inv(rigid(POSE_CAM))
    by_hand = camera_from_global @ rigid(POSE_LIDAR) @ rigid(LIDAR_SENSOR)
    expected = points.astype(np.float64) @ by_hand[:3, :3].T + by_hand[:3, 3]
    got = lidar_to_camera(points, LIDAR_SENSOR, POSE_LIDAR, POSE_CAM, CAM_SENSOR)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=2e-3)


def test_conditions_follow_md4all_substring_rule():
    from udebench.data.nuscenes.conditions import in_condition, weather_label

    assert weather_label("Night, rain, parking lot") == "night-rain"
    assert weather_label("Wait at intersection") == "day-clear"
    assert weather_label("Rain, truck") == "day-rain"
    assert weather_label("NIGHT, peds") == "night-clear"
    assert in_condition("night-rain", "night") and in_condition("night-rain", "rain")
    assert not in_condition("night-rain", "day") and not in_condition("day-rain", "day")
    assert in_condition("day-clear", "day") and not in_condition("night-clear", "rain")


def test_splits_select_val_scenes_by_condition(trainval):
    tokens = trainval.sample_tokens
    day = get_split("nuscenes-day", data_root=trainval.root)
    night = get_split("nuscenes-night", data_root=trainval.root)
    rain = get_split("nuscenes-rain", data_root=trainval.root)
    assert day.sample_ids == tokens["scene-0003"]
    assert night.sample_ids == tokens["scene-0012"] + tokens["scene-0014"]
    assert rain.sample_ids == tokens["scene-0013"] + tokens["scene-0014"]
    assert day.config["version"] == "v1.0-trainval"


def test_depth_lands_on_hand_computed_pixels(trainval):
    split = get_split("nuscenes-day", data_root=trainval.root)
    sample = split[0]
    assert sample["image"].shape == (900, 1600, 3) and sample["image"].dtype == np.uint8
    assert sample["depth"].shape == (900, 1600) and sample["depth"].dtype == np.float32
    np.testing.assert_array_equal(sample["intrinsics"], np.asarray(NUSC_K))
    assert sample["condition"] == "day" and sample["weather"] == "day-clear"
    depth = sample["depth"]
    kept = [(u, v, z) for u, v, z in NUSC_TARGETS if z > 1.0]  # the devkit drops points closer than 1 m
    for u, v, z in kept:
        assert depth[int(v), int(u)] == pytest.approx(z, abs=1e-3)
    # nothing else: the 0.6 m point, the point behind the camera and the one past the border are dropped
    assert np.count_nonzero(depth) == len(kept)


def test_sample_data_of_sweeps_is_ignored(trainval):
    split = get_split("nuscenes-night", data_root=trainval.root)
    image_path, lidar_path = split.files_of(split.sample_ids[0])
    assert "samples/CAM_FRONT" in str(image_path) and lidar_path.name.endswith(".pcd.bin")


def test_corrupt_image_names_the_file(trainval):
    token = trainval.sample_tokens["scene-0003"][0]
    trainval.image_paths[token].write_bytes(b"not a jpeg")
    with pytest.raises(CorruptSampleError, match=trainval.image_paths[token].name):
        get_split("nuscenes-day", data_root=trainval.root)[0]


def test_missing_root_is_one_line(tmp_path):
    with pytest.raises(DataNotFoundError) as info:
        get_split("nuscenes-day", data_root=tmp_path / "nowhere")
    assert "\n" not in str(info.value) and "nuscenes" in str(info.value)


def test_check_reports_missing_file_and_where_it_goes(trainval):
    from udebench.plugins import split_spec

    token = trainval.sample_tokens["scene-0012"][0]
    trainval.lidar_paths[token].unlink()
    report = split_spec("nuscenes-night").check(data_root=trainval.root)
    assert not report.ok and report.found == 1 and report.expected == 602
    assert any(trainval.lidar_paths[token].name in item and "LIDAR_TOP" in item for item in report.missing)


def test_check_compares_count_with_manifest(trainval):
    from udebench.plugins import split_spec

    report = split_spec("nuscenes-day").check(data_root=trainval.root)
    assert not report.ok and report.found == 2 and report.expected == 4449
    assert any("4449 expected" in item for item in report.missing)


def test_check_names_missing_tables(tmp_path):
    from udebench.plugins import split_spec

    (tmp_path / "nuscenes").mkdir()
    report = split_spec("nuscenes-rain").check(data_root=tmp_path)
    assert not report.ok and any("sample_data.json" in item for item in report.missing)


def test_check_without_root_is_a_report(tmp_path):
    from udebench.plugins import split_spec

    report = split_spec("nuscenes-day").check(data_root=tmp_path / "nowhere")
    assert not report.ok and "nuscenes" in report.where


MINI_SCENES = [  # v1.0-mini's ten scenes, shuffled: positions say nothing, names decide
    ("scene-0916", "Parking lot, bicycle rack, peds", 1), ("scene-0061", "Day drive", 1),
    ("scene-1100", "Night, peds on sidewalk", 1), ("scene-0103", "Day, peds", 1), ("scene-0553", "Day drive", 0),
    ("scene-0655", "Day drive", 0), ("scene-0757", "Day drive", 0), ("scene-0796", "Day drive", 0),
    ("scene-1077", "Night drive", 0), ("scene-1094", "Night drive", 0)]


def test_mini_validation_scenes_are_the_devkits_mini_val_by_name(tmp_path):
    fixture = write_nuscenes(tmp_path, "v1.0-mini", MINI_SCENES)
    day = get_split("nuscenes-mini-day", data_root=tmp_path)
    assert day.sample_ids == fixture.sample_tokens["scene-0916"] + fixture.sample_tokens["scene-0103"]
    assert get_split("nuscenes-mini-night", data_root=tmp_path).sample_ids == []  # scene-1100 is not mini_val


def test_a_missing_named_validation_scene_is_a_one_line_error_naming_it(tmp_path):
    write_nuscenes(tmp_path, "v1.0-mini", [scene for scene in MINI_SCENES if scene[0] != "scene-0916"])
    with pytest.raises(DataNotFoundError) as info:
        get_split("nuscenes-mini-day", data_root=tmp_path)
    message = str(info.value)
    assert "\n" not in message and "scene-0916" in message and "scene.json" in message


def test_mini_check_counts_and_names_a_missing_image(tmp_path):
    from udebench.cli import cli

    fixture = write_nuscenes(tmp_path, "v1.0-mini", MINI_SCENES)
    result = CliRunner().invoke(cli, ["data", "check", "nuscenes-mini-day", "--data-root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "nuscenes-mini-day: ok (2/? samples)" in result.output
    fixture.image_paths[fixture.sample_tokens["scene-0103"][0]].unlink()  # one of the two day samples
    result = CliRunner().invoke(cli, ["data", "check", "nuscenes-mini-day", "--data-root", str(tmp_path)])
    assert result.exit_code == 1 and "missing:" in result.output and "CAM_FRONT" in result.output


def test_devkit_projection_truncates_and_last_point_wins():
    from udebench.data.nuscenes.projection import devkit_depth_map

    k = np.array([[100.0, 0, 50], [0, 100.0, 40], [0, 0, 1]])
    # (u, v) = (60.9, 45.9) twice at different depths, then (1.0, 40): on the 1-pixel margin, dropped
    points = np.array([[0.109 * 5, 0.059 * 5, 5.0], [0.109 * 9, 0.059 * 9, 9.0], [-0.49 * 3, 0.0, 3.0]])
    depth = devkit_depth_map(points.astype(np.float32), k, 80, 100)
    assert depth[45, 60] == pytest.approx(9.0)
    assert np.count_nonzero(depth) == 1


def test_split_pickles_small(trainval):
    import pickle

    split = get_split("nuscenes-rain", data_root=trainval.root)
    clone = pickle.loads(pickle.dumps(split))
    assert clone[1]["weather"] == "night-rain" and not hasattr(clone, "tables")
