"""The evaluation protocol: valid mask and crops, upsampling, counts and statuses, per-image results."""

from __future__ import annotations

import math

import pytest
import torch

from udebench.evaluation.metrics import BUILTIN_METRICS, a1, abs_rel, rmse
from udebench.evaluation.protocol import CROPS, crop_box, flip_pp, score_batch, upsample, valid_mask

MIN, MAX = 0.1, 80.0


def gt_batch(seed: int = 0, batch: int = 2, height: int = 12, width: int = 16) -> torch.Tensor:
    """GT in [1, 50] m with about a third of the pixels missing (0, as sparse LiDAR)."""
    g = torch.Generator().manual_seed(seed)
    gt = torch.rand(batch, height, width, generator=g) * 49 + 1
    gt[torch.rand(batch, height, width, generator=g) < 0.3] = 0.0
    return gt


def score(pred, gt, alignment="none", **kwargs):
    return score_batch(pred, gt, alignment=alignment, min_depth=MIN, max_depth=MAX, **kwargs)


# --- valid mask and crops ------------------------------------------------------------------------------


def test_valid_mask_is_strictly_between_the_caps_and_excludes_non_finite_gt():
    gt = torch.tensor([[0.0, MIN, 0.2, 79.9, MAX, 90.0, math.nan, math.inf]])
    assert valid_mask(gt, min_depth=MIN, max_depth=MAX).tolist() == [
        [False, False, True, True, False, False, False, False]
    ]


def test_garg_crop_on_kitti_is_monodepth2s_box():
    # Monodepth2 on 375x1242 KITTI GT: rows 153:371, cols 44:1197
    assert crop_box(375, 1242, "garg") == (153, 371, 44, 1197)


@pytest.mark.parametrize("size", [(375, 1242), (352, 1216), (900, 1600), (10, 10)])
@pytest.mark.parametrize("crop", list(CROPS))
def test_crop_region_size_matches_the_fractions(size, crop):
    height, width = size
    top, bottom, left, right = CROPS[crop]
    gt = torch.full((1, height, width), 10.0)
    mask = valid_mask(gt, min_depth=MIN, max_depth=MAX, crop=crop)
    rows = int(bottom * height) - int(top * height)
    cols = int(right * width) - int(left * width)
    assert mask.sum().item() == rows * cols
    assert mask[0, int(top * height), int(left * width)].item()
    assert not mask[0, int(top * height) - 1, int(left * width)].item()


def test_garg_crop_fractions_are_monodepth2s():
    assert CROPS["garg"] == (0.40810811, 0.99189189, 0.03594771, 0.96405229)


def test_crop_also_keeps_the_depth_caps():
    gt = torch.full((1, 375, 1242), 10.0)
    gt[0, 300, 600] = 0.0
    cropped = valid_mask(gt, min_depth=MIN, max_depth=MAX, crop="garg")
    assert not cropped[0, 300, 600].item()


def test_an_unknown_crop_is_an_error_naming_the_known_ones():
    with pytest.raises(ValueError, match="garg"):
        valid_mask(torch.ones(1, 4, 4), min_depth=MIN, max_depth=MAX, crop="kitti")


# --- upsampling ----------------------------------------------------------------------------------------


def test_upsample_is_bilinear_without_aligned_corners():
    # align_corners=False: output pixel centres map to -0.25, 0.25, 0.75, 1.25 of the input (clamped)
    pred = torch.tensor([[[0.0, 1.0]]])
    assert upsample(pred, (1, 4))[0, 0].tolist() == pytest.approx([0.0, 0.25, 0.75, 1.0])


def test_upsample_accepts_a_channel_dimension_and_returns_bhw():
    assert upsample(torch.rand(3, 1, 6, 8), (12, 16)).shape == (3, 12, 16)


def test_upsample_to_the_same_size_returns_the_input():
    pred = torch.rand(2, 5, 7)
    assert upsample(pred, (5, 7)) is pred


# --- score_batch -----------------------------------------------------------------------------------------


def test_a_perfect_prediction_scores_perfectly():
    gt = gt_batch()
    rows = score(gt.clone(), gt)
    for row, image in zip(rows, gt, strict=True):
        assert row["status"] == "ok"
        assert row["n_valid"] == int(((image > MIN) & (image < MAX)).sum())
        assert row["abs_rel"] == pytest.approx(0.0, abs=1e-6)
        assert row["a1"] == 1.0


def test_each_image_gives_metrics_as_floats_counts_and_a_status():
    rows = score(gt_batch() * 1.1, gt_batch())
    assert len(rows) == 2
    for row in rows:
        assert set(row) == set(BUILTIN_METRICS) | {"n_valid", "n_nonfinite", "n_nonpositive", "status"}
        assert all(type(row[name]) is float for name in BUILTIN_METRICS)
        assert all(type(row[key]) is int for key in ("n_valid", "n_nonfinite", "n_nonpositive"))


def test_non_finite_predictions_are_counted_and_flag_the_image_invalid():
    gt = gt_batch()
    pred = gt.clone()
    valid = gt[0] > MIN
    rows_, cols_ = valid.nonzero()[:3].T
    pred[0, rows_[0], cols_[0]] = math.nan
    pred[0, rows_[1], cols_[1]] = math.inf
    pred[0, rows_[2], cols_[2]] = -math.inf
    pred[0][~valid] = math.nan  # outside the valid region: not counted
    first, second = score(pred, gt)
    assert first["n_nonfinite"] == 3
    assert first["status"] == "invalid_prediction"
    assert all(math.isnan(first[name]) for name in BUILTIN_METRICS)
    assert second["status"] == "ok" and second["n_nonfinite"] == 0


def test_an_image_without_valid_gt_is_flagged_and_has_nan_metrics():
    gt = gt_batch()
    gt[1] = 0.0
    first, second = score(gt.clone(), gt)
    assert first["status"] == "ok"
    assert second["status"] == "no_valid_gt"
    assert second["n_valid"] == 0
    assert all(math.isnan(second[name]) for name in BUILTIN_METRICS)


def test_non_positive_predictions_are_counted_before_alignment():
    gt = gt_batch(batch=1)
    valid = gt[0] > MIN
    pred = gt.clone()
    pred[0][valid.nonzero()[:4].T.unbind()] = torch.tensor([0.0, -1.0, -5.0, 2.0])
    (row,) = score(pred, gt)
    assert row["n_nonpositive"] == 3
    assert row["status"] == "ok"  # clamped to min_depth, then scored
    assert math.isfinite(row["abs_rel"])


def test_counts_and_metrics_use_the_upsampled_prediction():
    gt = gt_batch(batch=1, height=12, width=16)
    low_res = torch.full((1, 1, 6, 8), 20.0)
    (row,) = score(low_res, gt)
    valid = (gt > MIN) & (gt < MAX)
    expected = ((20.0 - gt[valid]).abs() / gt[valid]).mean().item()
    assert row["abs_rel"] == pytest.approx(expected, rel=1e-5)


def test_score_batch_accepts_a_channel_dimension():
    gt = gt_batch()
    flat = score(gt * 1.2, gt)
    with_channel = score((gt * 1.2)[:, None], gt[:, None])
    assert with_channel == flat


def test_affine_disparity_is_scored_after_lstsq_disparity_alignment():
    gt = gt_batch()
    disparity = 3.0 / gt.clamp(min=1.0) - 0.02  # an affine function of 1/gt on the valid pixels
    rows = score(disparity, gt, alignment="lstsq_disparity")
    for row in rows:
        assert row["status"] == "ok"
        assert row["abs_rel"] == pytest.approx(0.0, abs=1e-4)


def test_median_alignment_through_the_protocol():
    gt = gt_batch()
    rows = score(gt * 0.01, gt, alignment="median")
    assert [row["abs_rel"] for row in rows] == pytest.approx([0.0, 0.0], abs=1e-5)


def test_mean_over_images_differs_from_the_pooled_mean_and_per_image_is_what_we_report():
    # image 0: one valid pixel, pred 2 vs gt 1 -> abs_rel 1; image 1: three perfect pixels -> abs_rel 0.
    gt = torch.tensor([[[1.0, 0.0, 0.0, 0.0]], [[1.0, 2.0, 3.0, 0.0]]])
    pred = torch.tensor([[[2.0, 5.0, 5.0, 5.0]], [[1.0, 2.0, 3.0, 5.0]]])
    rows = score(pred, gt, metrics={"abs_rel": abs_rel})
    per_image_mean = sum(row["abs_rel"] for row in rows) / len(rows)
    pooled = (1.0 + 0 + 0 + 0) / 4
    assert per_image_mean == pytest.approx(0.5)
    assert per_image_mean != pytest.approx(pooled)


def test_metric_names_limit_the_metrics():
    (row, _) = score(gt_batch() * 1.1, gt_batch(), metrics={"rmse": rmse, "a1": a1})
    assert set(row) == {"rmse", "a1", "n_valid", "n_nonfinite", "n_nonpositive", "status"}


def test_alignment_details_are_opt_in():
    gt = gt_batch()
    gt[1] = 0.0
    first, second = score(gt * 0.5, gt, alignment="median", alignment_details=True)
    assert first["alignment_ok"] is True and first["alignment_scale"] == pytest.approx(2.0)
    assert second["alignment_ok"] is False and second["alignment_scale"] == 1.0
    assert "alignment_ok" not in score(gt * 0.5, gt, alignment="median")[0]


def test_an_unknown_alignment_is_an_error():
    with pytest.raises(ValueError, match="lstsq_depth"):
        score(gt_batch(), gt_batch(), alignment="scale")


def test_different_batch_sizes_are_an_error():
    with pytest.raises(ValueError, match="images"):
        score(gt_batch(batch=3), gt_batch(batch=2))


# --- flip post-processing ------------------------------------------------------------------------------


def test_flip_pp_of_a_mirror_consistent_prediction_is_the_prediction():
    pred = torch.rand(2, 5, 40)
    torch.testing.assert_close(flip_pp(pred, pred.flip(-1)), pred)


def test_flip_pp_takes_the_flipped_prediction_at_the_left_border_and_the_mean_in_the_middle():
    pred = torch.zeros(1, 1, 101)
    of_flipped = torch.ones(1, 1, 101)  # flipped back: 1 everywhere
    out = flip_pp(pred, of_flipped)[0, 0]
    assert out[0].item() == 1.0  # left border: the flipped-back prediction
    assert out[-1].item() == 0.0  # right border: the plain prediction
    assert out[50].item() == pytest.approx(0.5)  # middle: their mean
