"""Each convention a protocol declares changes the numbers the way its reference does: hand-worked cases where
the conventions disagree, and the sparse (points) path equal to the dense one."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from udebench.evaluation.metrics import BUILTIN_METRICS, abs_rel
from udebench.evaluation.points import DepthPoints, sample_at_points, sparse_points
from udebench.evaluation.protocol import score_batch
from udebench.evaluation.protocol_spec import Protocol
from udebench.evaluation.scoring import Scoring

ABS_REL = {"abs_rel": abs_rel}


def one_row(pred, gt, **conventions) -> dict:
    (row,) = score_batch(torch.tensor(pred)[None], torch.tensor(gt)[None], metrics=ABS_REL,
                         **{"alignment": "none", "min_depth": 0.1, "max_depth": 80.0, **conventions})
    return row


# --- median: numpy (mean of the two middles) vs torch (lower middle) --------------------------------------------


# gt [1, 2, 4, 8]: np.median 3, torch.median 2; the prediction is constant 1, so the scale is the GT median.
EVEN_GT = [[1.0, 2.0, 4.0, 8.0]]
FLAT_PRED = [[1.0, 1.0, 1.0, 1.0]]


def test_numpy_median_scales_an_even_count_by_the_mean_of_the_two_middle_values():
    row = one_row(FLAT_PRED, EVEN_GT, alignment="median", median="numpy")
    # aligned 3 everywhere: |3-1|/1, |3-2|/2, |3-4|/4, |3-8|/8 -> (2 + 0.5 + 0.25 + 0.625) / 4
    assert row["abs_rel"] == pytest.approx(0.84375)


def test_torch_median_scales_an_even_count_by_the_lower_middle_value():
    row = one_row(FLAT_PRED, EVEN_GT, alignment="median", median="torch")
    # aligned 2 everywhere: (1 + 0 + 0.5 + 0.75) / 4, as md4all's torch.median(gt) / torch.median(pred)
    assert row["abs_rel"] == pytest.approx(0.5625)
    assert torch.tensor(EVEN_GT).median().item() == 2.0  # the reference's own convention


def test_both_medians_agree_on_an_odd_count():
    gt, pred = [[1.0, 2.0, 4.0]], [[1.0, 1.0, 1.0]]
    assert one_row(pred, gt, alignment="median", median="numpy")["abs_rel"] == pytest.approx(
        one_row(pred, gt, alignment="median", median="torch")["abs_rel"])


# --- upsampling: align_corners and the space it happens in ---------------------------------------------------


def test_align_corners_false_samples_monodepth2s_pixel_centres():
    # [1, 2] to 4 columns without aligned corners: 1, 1.25, 1.75, 2 (cv2.resize gives the same)
    row = one_row([[1.0, 2.0]], [[0.0, 1.25, 0.0, 0.0]], align_corners=False)
    assert row["abs_rel"] == pytest.approx(0.0, abs=1e-7)


def test_align_corners_true_samples_md4alls_corner_aligned_grid():
    # with aligned corners: 1, 4/3, 5/3, 2 -> |4/3 - 1.25| / 1.25 = 1/15
    row = one_row([[1.0, 2.0]], [[0.0, 1.25, 0.0, 0.0]], align_corners=True)
    assert row["abs_rel"] == pytest.approx(1 / 15)


def test_disparity_space_upsamples_the_inverse_of_a_depth_prediction():
    # depth [1, 4] is disparity [1, 0.25]; column 1 of 4 weighs them 0.75/0.25: 0.8125, i.e. depth 16/13
    gt = [[0.0, 1.75, 0.0, 0.0]]  # what depth-space interpolation gives: 0.75 * 1 + 0.25 * 4
    assert one_row([[1.0, 4.0]], gt, upsample_space="prediction")["abs_rel"] == pytest.approx(0.0, abs=1e-7)
    assert one_row([[1.0, 4.0]], gt, upsample_space="disparity")["abs_rel"] == pytest.approx(
        abs(16 / 13 - 1.75) / 1.75)


def test_disparity_space_leaves_an_affine_disparity_as_it_is():
    low_res = torch.rand(1, 3, 5) + 0.5
    gt = torch.rand(1, 6, 10) * 20 + 1
    kwargs = dict(alignment="lstsq_disparity", min_depth=0.1, max_depth=80.0)
    assert score_batch(low_res, gt, upsample_space="disparity", **kwargs) == \
        score_batch(low_res, gt, upsample_space="prediction", **kwargs)


def test_nearest_upsampling_repeats_the_low_resolution_pixel():
    row = one_row([[1.0, 2.0]], [[0.0, 1.0, 0.0, 0.0]], upsample_mode="nearest")  # columns 0,0,1,1
    assert row["abs_rel"] == pytest.approx(0.0)


# --- which ground truth counts --------------------------------------------------------------------------------


def test_an_open_gt_range_counts_depth_beyond_the_clamp_as_robust_depth_does():
    # Robust-Depth on DrivingStereo: mask = gt > 0; the prediction is still clamped to 80 m
    pred, gt = [[100.0, 10.0]], [[100.0, 10.0]]
    capped = one_row(pred, gt)
    open_range = one_row(pred, gt, gt_range=(0.0, math.inf))
    assert capped["n_valid"] == 1 and capped["abs_rel"] == pytest.approx(0.0)
    assert open_range["n_valid"] == 2 and open_range["abs_rel"] == pytest.approx((20 / 100) / 2)


def test_scoring_applies_every_convention_of_its_protocol():
    md4all_like = Protocol(reference="test", median="torch", align_corners=True, min_depth=0.1, max_depth=80.0)
    scoring = Scoring(alignment="median", protocol=md4all_like, metrics=ABS_REL)
    (row,) = scoring.score(torch.tensor(FLAT_PRED)[None], torch.tensor(EVEN_GT)[None])
    assert row["abs_rel"] == pytest.approx(0.5625)


# --- sparse ground truth: points give the dense path's numbers --------------------------------------------------


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("sizes", [((320, 576), (900, 1600)), ((6, 8), (12, 16)), ((7, 9), (3, 4)),
                                   ((192, 640), (375, 1242))])
def test_bilinear_sampling_at_the_points_equals_upsample_then_index(sizes, align_corners):
    (h, w), (height, width) = sizes
    generator = torch.Generator().manual_seed(h * w)
    pred = torch.rand(2, h, w, generator=generator) * 80
    gt = torch.rand(2, height, width, generator=generator)
    points = DepthPoints.from_dense(torch.where(gt < 0.3, gt, 0.0))
    dense = F.interpolate(pred[:, None], size=(height, width), mode="bilinear", align_corners=align_corners)
    expected = dense.reshape(-1)[points.flat_index()]
    torch.testing.assert_close(sample_at_points(pred, points, align_corners=align_corners), expected,
                               rtol=1e-6, atol=0)


def test_nearest_sampling_at_the_points_equals_upsample_then_index():
    pred = torch.rand(1, 5, 7) * 10
    points = DepthPoints.from_dense(torch.rand(1, 13, 17) + 0.1)
    dense = F.interpolate(pred[:, None], size=(13, 17), mode="nearest")
    assert torch.equal(sample_at_points(pred, points, mode="nearest"), dense.reshape(-1)[points.flat_index()])


def lidar_like(seed: int, batch: int = 3, height: int = 45, width: int = 80) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    gt = torch.rand(batch, height, width, generator=generator) * 70 + 0.05
    return torch.where(torch.rand(batch, height, width, generator=generator) < 0.06, gt, 0.0)


@pytest.mark.parametrize("alignment", ["none", "median", "lstsq_depth", "lstsq_disparity"])
@pytest.mark.parametrize("conventions", [
    dict(),
    dict(align_corners=True, median="torch"),
    dict(upsample_space="disparity", crop="garg", gt_range=(0.0, math.inf)),
])
def test_points_give_the_dense_maps_rows(alignment, conventions):
    gt = lidar_like(seed=1)
    gt[2] = 0.0  # an image without ground truth
    pred = torch.rand(3, 16, 30, generator=torch.Generator().manual_seed(2)) * 30 + 0.5
    pred[1, 8, 10:20] = math.nan  # an invalid prediction
    pred[0, 3, :] = -1.0  # non-positive predictions
    kwargs = dict(alignment=alignment, min_depth=0.1, max_depth=80.0, **conventions)
    dense_rows = score_batch(pred, gt, **kwargs)
    point_rows = score_batch(pred, DepthPoints.from_dense(gt), **kwargs)
    assert [r["status"] for r in point_rows] == [r["status"] for r in dense_rows] == \
        ["ok", "invalid_prediction", "no_valid_gt"]
    for dense, sparse in zip(dense_rows, point_rows, strict=True):
        assert {k: dense[k] for k in ("n_valid", "n_nonfinite", "n_nonpositive")} == \
            {k: sparse[k] for k in ("n_valid", "n_nonfinite", "n_nonpositive")}
        for name in BUILTIN_METRICS:
            assert sparse[name] == pytest.approx(dense[name], rel=1e-6, nan_ok=True)


def test_a_plugin_metric_still_gets_dense_maps_when_the_ground_truth_is_points():
    seen = {}

    def valid_fraction(pred, gt, valid):
        seen["shapes"] = (tuple(pred.shape), tuple(gt.shape), tuple(valid.shape))
        return valid.flatten(1).float().mean(1)

    gt = lidar_like(seed=3)
    rows = score_batch(torch.rand(3, 9, 16) + 1, DepthPoints.from_dense(gt), alignment="median", min_depth=0.1,
                       max_depth=80.0, metrics={"valid_fraction": valid_fraction})
    assert seen["shapes"] == ((3, 45, 80),) * 3
    expected = ((gt > 0.1) & (gt < 80)).flatten(1).float().mean(1)
    assert [row["valid_fraction"] for row in rows] == pytest.approx(expected.tolist())


def test_sparse_points_keeps_positive_finite_pixels_of_a_sparse_map_only():
    depth = np.zeros((10, 10), dtype=np.float32)
    depth[2, 3], depth[7, 1], depth[5, 5] = 4.0, 9.0, np.nan
    rows, cols, values = sparse_points(depth)
    assert rows.tolist() == [2, 7] and cols.tolist() == [3, 1] and values.tolist() == [4.0, 9.0]
    assert sparse_points(np.ones((10, 10), dtype=np.float32)) is None  # dense: kept as a map
