"""Per-image alignment: known scales and shifts are recovered, results are clamped, degenerate images
fall back to the unaligned prediction."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from udebench.evaluation.alignment import ALIGNMENTS, align, fit_alignment, per_image_median
from udebench.evaluation.metrics import ValidPixels

MIN, MAX = 1e-3, 80.0


def scene(seed: int, batch: int = 3, height: int = 20, width: int = 30):
    """GT in [2, 60] m and a random valid mask with 40% of the pixels."""
    g = torch.Generator().manual_seed(seed)
    gt = torch.rand(batch, height, width, generator=g) * 58 + 2
    valid = torch.rand(batch, height, width, generator=g) < 0.4
    return gt, valid


def aligned(pred, gt, valid, method):
    return align(pred, gt, valid, method, min_depth=MIN, max_depth=MAX)


def test_alignments_are_the_four_documented_methods():
    assert ALIGNMENTS == ("none", "median", "lstsq_depth", "lstsq_disparity")


def test_none_returns_the_prediction_clamped():
    pred = torch.tensor([[[-1.0, 0.0, 5.0, 100.0]]])
    gt = torch.tensor([[[1.0, 1.0, 1.0, 1.0]]])
    out = aligned(pred, gt, gt > 0, "none")
    assert out[0, 0].tolist() == pytest.approx([MIN, MIN, 5.0, MAX])


def test_median_scaling_recovers_a_global_scale_per_image():
    gt, valid = scene(0)
    scales = torch.tensor([0.5, 3.7, 11.0])[:, None, None]
    out = aligned(gt / scales, gt, valid, "median")
    torch.testing.assert_close(out, gt, rtol=1e-5, atol=1e-5)


def test_median_uses_the_mean_of_the_two_middle_values_like_numpy():
    # valid gt (1, 1, 9, 9): numpy median 5 (torch.median would say 1); pred median 1 -> ratio 5
    gt = torch.tensor([[[1.0, 1.0, 9.0, 9.0, 50.0]]])
    pred = torch.tensor([[[1.0, 1.0, 1.0, 1.0, 1.0]]])
    valid = torch.tensor([[[True, True, True, True, False]]])
    assert aligned(pred, gt, valid, "median")[0, 0, :4].tolist() == pytest.approx([5.0] * 4)


def test_per_image_median_equals_numpy_median_for_odd_and_even_counts():
    g = torch.Generator().manual_seed(1)
    values = torch.rand(4, 7, 9, generator=g)
    valid = torch.rand(4, 7, 9, generator=g) < 0.5
    valid[2] = False
    valid[3] = False
    valid[3, 0, :2] = True  # two pixels: an even count
    pixels = ValidPixels(values, values, valid)
    ours = per_image_median(pixels, pixels.pred).tolist()
    for b in range(4):
        expected = np.median(values[b][valid[b]].numpy()) if valid[b].any() else math.nan
        assert ours[b] == pytest.approx(float(expected), nan_ok=True)


def test_median_fit_ignores_invalid_and_non_finite_pixels():
    gt = torch.tensor([[[2.0, 4.0, 6.0, 1.0, 1.0]]])
    pred = torch.tensor([[[1.0, 2.0, 3.0, 1000.0, math.nan]]])
    valid = torch.tensor([[[True, True, True, False, True]]])
    fit = fit_alignment(pred, gt, valid, "median")
    assert fit.scale.tolist() == [2.0]
    assert fit.ok.tolist() == [True]


def test_lstsq_depth_recovers_scale_and_shift_per_image():
    gt, valid = scene(2)
    scale = torch.tensor([2.5, 0.1, 40.0])[:, None, None]
    shift = torch.tensor([1.5, -3.0, 0.0])[:, None, None]
    pred = (gt - shift) / scale
    pred[~valid] = 1e4  # outliers outside the valid region must not matter
    out = aligned(pred, gt, valid, "lstsq_depth")
    torch.testing.assert_close(out[valid], gt[valid], rtol=1e-5, atol=1e-4)
    fit = fit_alignment(pred, gt, valid, "lstsq_depth")
    torch.testing.assert_close(fit.scale, scale.flatten().double(), rtol=1e-5, atol=0)
    torch.testing.assert_close(fit.shift, shift.flatten().double(), rtol=0, atol=1e-4)


def test_lstsq_disparity_recovers_an_affine_disparity_even_with_negative_values():
    gt, valid = scene(3)
    s, t = 0.02, 0.1  # disparity = s * pred + t; gt beyond 10 m gives pred < 0
    pred = (1.0 / gt - t) / s
    assert (pred[valid] < 0).any()
    out = aligned(pred, gt, valid, "lstsq_disparity")
    torch.testing.assert_close(out[valid], gt[valid], rtol=1e-4, atol=1e-4)


def test_lstsq_disparity_clamps_the_disparity_before_inverting():
    # fitted on the valid pixels to the identity; the invalid pixel's disparity -5 would divide by < 0
    gt = torch.tensor([[[1.0, 2.0, 4.0, 1.0]]])
    pred = torch.tensor([[[1.0, 0.5, 0.25, -5.0]]])
    valid = torch.tensor([[[True, True, True, False]]])
    out = aligned(pred, gt, valid, "lstsq_disparity")
    assert out[0, 0, :3].tolist() == pytest.approx([1.0, 2.0, 4.0], rel=1e-5)
    assert out[0, 0, 3].item() == MAX  # disparity clamped to 1/max_depth


@pytest.mark.parametrize("method", ALIGNMENTS)
def test_every_method_clamps_to_the_depth_caps(method):
    gt, valid = scene(4)
    g = torch.Generator().manual_seed(4)
    pred = torch.randn(gt.shape, generator=g) * 100  # negative, tiny and huge values
    out = align(pred, gt, valid, method, min_depth=0.5, max_depth=50.0)
    assert out.isfinite().all()
    assert out.min() >= 0.5 and out.max() <= 50.0


@pytest.mark.parametrize("method", ALIGNMENTS)
def test_each_image_is_fitted_on_its_own(method):
    gt, valid = scene(5)
    pred = gt.flip(-1) * torch.tensor([1.0, 2.0, 0.3])[:, None, None] + 0.5
    together = aligned(pred, gt, valid, method)
    for b in range(gt.shape[0]):
        alone = aligned(pred[b : b + 1], gt[b : b + 1], valid[b : b + 1], method)
        torch.testing.assert_close(together[b : b + 1], alone)


@pytest.mark.parametrize("method", ["median", "lstsq_depth", "lstsq_disparity"])
def test_an_image_without_valid_pixels_is_left_unaligned_not_nan(method):
    gt, valid = scene(6, batch=2)
    valid[1] = False
    pred = gt * 0.5
    out = aligned(pred, gt, valid, method)
    fit = fit_alignment(pred, gt, valid, method)
    assert fit.ok.tolist() == [True, False]
    assert out.isfinite().all()
    unaligned = aligned(pred[1:], gt[1:], valid[1:], "none")
    if method == "lstsq_disparity":  # the unaligned prediction read as a disparity
        unaligned = (1.0 / pred[1:].clamp(min=1 / MAX, max=1 / MIN)).clamp(MIN, MAX)
    torch.testing.assert_close(out[1:], unaligned)


@pytest.mark.parametrize("method", ["lstsq_depth", "lstsq_disparity"])
def test_a_constant_prediction_is_degenerate_for_least_squares(method):
    gt, valid = scene(7, batch=1)
    pred = torch.full_like(gt, 3.0)
    fit = fit_alignment(pred, gt, valid, method)
    assert fit.ok.tolist() == [False]
    assert (fit.scale.item(), fit.shift.item()) == (1.0, 0.0)
    assert aligned(pred, gt, valid, method).isfinite().all()


def test_a_non_positive_median_prediction_is_degenerate_for_median_scaling():
    gt, valid = scene(8, batch=1)
    pred = -gt
    fit = fit_alignment(pred, gt, valid, "median")
    assert fit.ok.tolist() == [False]
    assert (aligned(pred, gt, valid, "median") == MIN).all()


def test_alignment_accepts_a_channel_dimension_and_returns_bhw():
    gt, valid = scene(9)
    out = aligned(gt[:, None] * 2, gt[:, None], valid[:, None], "median")
    assert out.shape == gt.shape
    torch.testing.assert_close(out, gt, rtol=1e-5, atol=1e-5)


def test_an_unknown_method_is_an_error_naming_the_valid_ones():
    gt, valid = scene(10)
    with pytest.raises(ValueError, match="none, median, lstsq_depth, lstsq_disparity"):
        aligned(gt, gt, valid, "scale_shift")


def test_inverted_depth_caps_are_an_error():
    gt, valid = scene(11)
    with pytest.raises(ValueError, match="min_depth"):
        align(gt, gt, valid, "none", min_depth=80.0, max_depth=1.0)
