"""DrivingStereo reader: depth = f·B/d from the uint16 disparity PNGs, calibration, check."""

from __future__ import annotations

import numpy as np
import pytest

from tests.data_fixtures_real import DS_BASELINE, DS_CX, DS_CY, DS_F, DS_SEQUENCES, DS_SIZE, write_drivingstereo
from udebench.api import get_split
from udebench.errors import CorruptSampleError, DataNotFoundError

FRAMES = ["2018-10-19-09-31-36-438", "2018-10-19-09-31-37-001"]


def _disparities():
    out = {}
    for i, frame in enumerate(FRAMES):
        disp = np.full(DS_SIZE, 40.0 + i)
        disp[5, 7] = 12.25
        disp[10, 20] = 0.0  # no measurement
        disp[30, 60] = 100.5
        out[frame] = disp
    return out


@pytest.fixture
def sunny(tmp_path):
    write_drivingstereo(tmp_path, "sunny", FRAMES, _disparities())
    return tmp_path


def test_depth_is_focal_times_baseline_over_disparity(sunny):
    split = get_split("drivingstereo-sunny", data_root=sunny)
    assert split.sample_ids == [f"{DS_SEQUENCES['sunny']}_{f}" for f in FRAMES]
    sample = split[0]
    baseline = float(np.linalg.norm([-DS_BASELINE, 0.001, 0.0]))  # |T_103|, not P_rect_103 (twice as large)
    depth = sample["depth"]
    assert depth.dtype == np.float32 and depth.shape == DS_SIZE
    assert depth[5, 7] == pytest.approx(DS_F * baseline / 12.25, rel=1e-6)
    assert depth[30, 60] == pytest.approx(DS_F * baseline / 100.5, rel=1e-6)
    assert depth[0, 0] == pytest.approx(DS_F * baseline / 40.0, rel=1e-6)
    assert depth[10, 20] == 0.0
    np.testing.assert_allclose(sample["intrinsics"], [[DS_F, 0, DS_CX], [0, DS_F, DS_CY], [0, 0, 1]])
    assert sample["image"].shape == (*DS_SIZE, 3) and sample["condition"] == "sunny"


def test_baseline_falls_back_to_projection_matrix():
    from pathlib import Path

    from udebench.data.drivingstereo.split import intrinsics_and_baseline

    calib = {"P_rect_101": np.array([2000.0, 0, 880, 0, 0, 2000, 400, 0, 0, 0, 1, 0]),
             "P_rect_103": np.array([2000.0, 0, 880, -1000.0, 0, 2000, 400, 0, 0, 0, 1, 0])}
    k, baseline = intrinsics_and_baseline(calib, Path("x.txt"))
    assert baseline == pytest.approx(0.5) and k[0, 0] == 2000.0


def test_corrupt_disparity_names_the_file(sunny):
    split = get_split("drivingstereo-sunny", data_root=sunny)
    path = split.disparity_path(split.sample_ids[1])
    path.write_bytes(b"garbage")
    with pytest.raises(CorruptSampleError, match=path.name):
        split[1]


def test_missing_root_is_one_line(tmp_path):
    with pytest.raises(DataNotFoundError) as info:
        get_split("drivingstereo-foggy", data_root=tmp_path)
    assert "\n" not in str(info.value) and "drivingstereo" in str(info.value)


def test_check_counts_against_500_and_names_missing_files(sunny):
    from udebench.plugins import split_spec

    report = split_spec("drivingstereo-sunny").check(data_root=sunny)
    assert not report.ok and report.found == 2 and report.expected == 500
    split = get_split("drivingstereo-sunny", data_root=sunny)
    split.disparity_path(split.sample_ids[0]).unlink()
    report = split_spec("drivingstereo-sunny").check(data_root=sunny)
    assert report.found == 1
    assert any("disparity-map-full-size" in item and FRAMES[0] in item for item in report.missing)
    rainy = split_spec("drivingstereo-rainy").check(data_root=sunny)
    assert not rainy.ok and "rainy" in rainy.advice


def test_a_model_evaluates_on_the_split(tiny_plugin, sunny, tmp_path):
    import udebench

    summary = udebench.evaluate("tiny", "drivingstereo-sunny", data_root=str(sunny), num_workers=0,
                                results=tmp_path / "r.sqlite", progress=False)
    assert summary.status == "complete" and summary.n_done == 2 and summary.n_errors == 0
    assert summary.options["protocol"]["max_depth"] == 80.0 and summary.options["split_config"]["weather"] == "sunny"
