"""UDE loss and mask maths against hand-worked numbers."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("udebench_ude")

from udebench_ude.losses import (  # noqa: E402
    SSIM_C1,
    l1_disparity_loss,
    masked_image_mean,
    photometric_error,
    semantic_loss,
    silog_loss,
    ssim,
)
from udebench_ude.models import depth_to_sigmoid, disp_to_depth, sigmoid_to_disp  # noqa: E402
from udebench_ude.reliability import compare_errors, flip_consistency_mask  # noqa: E402


def test_ssim_of_identical_images_is_one():
    x = torch.rand(1, 3, 5, 7, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(ssim(x, x), torch.ones_like(x), atol=1e-5)


def test_photometric_error_of_two_flat_images_matches_hand_computation():
    # 2x2 flat images 0.5 and 0.3: no variance, so SSIM = (2·0.5·0.3 + C1) / (0.5² + 0.3² + C1).
    a, b = torch.full((1, 3, 2, 2), 0.5), torch.full((1, 3, 2, 2), 0.3)
    s = (2 * 0.5 * 0.3 + SSIM_C1) / (0.25 + 0.09 + SSIM_C1)
    expected = 0.85 * (1 - s) / 2 + 0.15 * 0.2
    assert torch.allclose(photometric_error(a, b), torch.full((1, 1, 2, 2), expected), atol=1e-5)
    assert torch.allclose(photometric_error(a, a), torch.zeros(1, 1, 2, 2), atol=1e-6)


def test_mask_keeps_pixels_where_the_teacher_error_is_not_larger():
    pe_teacher = torch.tensor([[[[0.1, 0.3], [0.2, 0.2]]]])
    pe_student = torch.tensor([[[[0.2, 0.1], [0.2, 0.5]]]])
    assert compare_errors(pe_teacher, pe_student).tolist() == [[[[True, False], [True, True]]]]


def test_mask_direction_option_flips_the_inequality():
    pe_teacher = torch.tensor([[[[0.1, 0.3], [0.2, 0.2]]]])
    pe_student = torch.tensor([[[[0.2, 0.1], [0.2, 0.5]]]])
    assert compare_errors(pe_teacher, pe_student, "teacher_ge_student").tolist() == [[[[False, True], [True, False]]]]
    with pytest.raises(ValueError, match="mask_direction"):
        compare_errors(pe_teacher, pe_student, "sideways")


def test_silog_of_a_constant_scale_error_is_log_scale_times_sqrt_one_minus_lambda():
    target = torch.tensor([[[[1.0, 2.0], [4.0, 8.0]]]])
    got = silog_loss(2 * target, target, torch.ones_like(target, dtype=torch.bool), variance_focus=0.85)
    assert got.item() == pytest.approx(math.log(2) * math.sqrt(0.15), rel=1e-5)


def test_silog_counts_only_masked_pixels():
    target = torch.tensor([[[[1.0, 1.0], [1.0, 1.0]]]])
    pred = torch.tensor([[[[1.0, 1.0], [1.0, 100.0]]]])
    mask = torch.tensor([[[[True, True], [True, False]]]])
    assert silog_loss(pred, target, mask).item() == pytest.approx(1e-4, abs=1e-6)  # only the sqrt floor is left


def test_l1_disparity_averages_per_image_then_over_images():
    pred = torch.tensor([[[[1.0, 3.0]]], [[[0.0, 0.0]]]])
    target = torch.zeros_like(pred)
    mask = torch.tensor([[[[True, True]]], [[[True, False]]]])
    assert l1_disparity_loss(pred, target, mask).item() == pytest.approx((2.0 + 0.0) / 2)


def test_masked_mean_with_an_empty_mask_is_zero_and_keeps_the_graph():
    values = torch.ones(1, 1, 2, 2, requires_grad=True)
    out = masked_image_mean(values, torch.zeros(1, 1, 2, 2, dtype=torch.bool))
    out.backward()
    assert out.item() == 0.0


def test_semantic_loss_is_zero_for_equal_and_two_for_opposite_features():
    f = torch.randn(2, 5, 8, generator=torch.Generator().manual_seed(0))
    assert semantic_loss(f, f).item() == pytest.approx(0.0, abs=1e-6)
    assert semantic_loss(f, -f).item() == pytest.approx(2.0, abs=1e-6)


def test_sigmoid_zero_and_one_give_max_and_min_depth():
    sigma = torch.tensor([0.0, 1.0])
    depth = disp_to_depth(sigmoid_to_disp(sigma, 0.1, 80.0))
    assert depth.tolist() == pytest.approx([80.0, 0.1])
    assert depth_to_sigmoid(torch.tensor([80.0, 0.1])).tolist() == pytest.approx([0.0, 1.0], abs=1e-6)


def test_flip_consistency_keeps_pixels_within_the_relative_tolerance():
    depth = torch.tensor([[[[10.0, 10.0]]]])
    depth_of_mirrored = torch.tensor([[[[10.5, 12.0]]]])  # un-flipped: [12.0, 10.5]
    assert flip_consistency_mask(depth, depth_of_mirrored, rel_tol=0.1).tolist() == [[[[False, True]]]]


def _one_pixel_shift_world():
    """1×3×2×3 images: the camera moves 1 m right, f = 1 px, so at depth 1 m everything shifts exactly 1 px left."""
    row = torch.tensor([0.2, 0.5, 0.9])
    target = row.view(1, 1, 1, 3).expand(1, 3, 2, 3).clone()
    context = torch.tensor([0.5, 0.9, 0.0]).view(1, 1, 1, 3).expand(1, 3, 2, 3).clone()  # a new 0.0 enters on the right
    K = torch.tensor([[[1.0, 0.0, 1.0], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]]])
    T = torch.eye(4).view(1, 1, 4, 4).clone()
    T[0, 0, 0, 3] = -1.0
    return target, context[:, None], K, T


def test_photometric_errors_and_mask_on_a_one_pixel_shift_by_hand():
    from udebench_ude.reliability import min_reprojection_error, photometric_mask

    target, contexts, K, T = _one_pixel_shift_world()
    true_depth, far_depth = torch.ones(1, 1, 2, 3), torch.full((1, 1, 2, 3), 1e6)
    # L1 only (alpha = 0) so every number is a difference of two pixel values.
    pe_true, seen_true = min_reprojection_error(target, contexts, true_depth, K, T, alpha=0.0)
    pe_far, seen_far = min_reprojection_error(target, contexts, far_depth, K, T, alpha=0.0)
    assert seen_true[0, 0, 0].tolist() == [False, True, True]  # pixel 0 would come from outside the neighbour
    assert pe_true[0, 0, 0, 1:].tolist() == pytest.approx([0.0, 0.0], abs=1e-5)
    assert pe_far[0, 0, 0].tolist() == pytest.approx([0.3, 0.4, 0.9], abs=1e-5)  # |0.5−0.2|, |0.9−0.5|, |0−0.9|
    assert seen_far.all()
    kwargs = dict(teacher_depth=true_depth, student_depth=far_depth, alpha=0.0)
    le = photometric_mask(target, contexts, K, T, **kwargs)
    ge = photometric_mask(target, contexts, K, T, direction="teacher_ge_student", **kwargs)
    le_strict = photometric_mask(target, contexts, K, T, keep_unseen=False, **kwargs)
    assert le[0, 0, 0].tolist() == [True, True, True]  # pixel 0: no evidence, kept
    assert ge[0, 0, 0].tolist() == [True, False, False]
    assert le_strict[0, 0, 0].tolist() == [False, True, True]
