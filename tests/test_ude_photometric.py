"""Monodepth2's self-supervised loss on a synth sequence with known geometry, the PoseNet, the oracle mask."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("udebench_ude")

from udebench_ude.photometric import min_reprojection, monodepth2_loss, reprojection_errors  # noqa: E402
from udebench_ude.posenet import PoseNet, axis_angle_to_matrix, pose_matrix  # noqa: E402
from udebench_ude.reliability import (  # noqa: E402
    closer_to_gt_mask,
    mask_quality,
    median_scale,
    oracle_mask,
    random_mask,
)
from udebench_ude.warping import warp  # noqa: E402


@pytest.fixture(scope="module")
def sequence():
    """One synth training drive (3 frames, known poses) as tensors: target, contexts, K, T, GT depth."""
    from udebench.data.synth.splits import SynthSequenceSplit

    sample = SynthSequenceSplit("day", n_sequences=2, frames_per_sequence=3, height=96, width=320)[1]
    image = torch.from_numpy(sample["image"]).permute(2, 0, 1)[None].float() / 255
    contexts = torch.stack([torch.from_numpy(c["image"]).permute(2, 0, 1).float() / 255 for c in sample["context"]])
    T = torch.stack([torch.as_tensor(c["T_target_to_context"], dtype=torch.float32) for c in sample["context"]])
    K = torch.as_tensor(sample["intrinsics"], dtype=torch.float32)[None]
    gt = torch.from_numpy(sample["depth"])[None, None]
    return image, contexts[None], K, T[None], gt


def _filled(gt):
    return torch.where(gt > 0, gt, torch.full_like(gt, 80.0))  # the sky: as far as the depth range goes


def test_the_warp_at_the_true_depth_reproduces_the_target_on_co_visible_pixels(sequence):
    image, contexts, K, T, gt = sequence
    warped, seen = warp(contexts[:, 0], _filled(gt), K, T[:, 0])
    usable = seen & (gt > 0) & (gt < 20)  # near pixels: enough parallax to tell depths apart
    true_error = (warped - image).abs().mean(1, keepdim=True)[usable].mean()
    wrong, _ = warp(contexts[:, 0], 1.3 * _filled(gt), K, T[:, 0])
    wrong_error = (wrong - image).abs().mean(1, keepdim=True)[usable].mean()
    assert true_error < 0.04  # bilinear resampling and the renderer's per-frame noise only
    assert wrong_error > 1.5 * true_error


@pytest.mark.parametrize("wrong", ["scaled", "shifted"])
def test_the_loss_at_the_true_depth_and_pose_is_lower_than_at_a_wrong_depth(sequence, wrong):
    image, contexts, K, T, gt = sequence
    depth = _filled(gt)
    bad = depth * 1.4 if wrong == "scaled" else depth + 3.0

    def loss(d):
        return monodepth2_loss([1.0 / d], image, contexts, K, T, disp_to_depth=lambda x: 1.0 / x,
                               generator=torch.Generator().manual_seed(0))["loss_photometric"]

    assert loss(depth) < 0.9 * loss(bad)


def test_the_loss_at_the_true_pose_is_lower_than_at_a_wrong_pose(sequence):
    image, contexts, K, T, gt = sequence
    shifted = T.clone()
    shifted[..., 0, 3] += 0.5  # half a metre sideways
    errors = [min_reprojection(reprojection_errors(image, contexts, _filled(gt), K, poses))[0].mean()
              for poses in (T, shifted)]
    assert errors[0] < errors[1]


def test_automasking_keeps_the_identity_error_where_nothing_moves():
    image = torch.rand(1, 3, 8, 12, generator=torch.Generator().manual_seed(0))
    contexts = image[:, None].repeat(1, 2, 1, 1, 1)  # a static camera: every frame is the target
    reprojection = torch.full((1, 2, 8, 12), 0.3)
    identity = torch.zeros(1, 2, 8, 12)
    best, warped_won = min_reprojection(reprojection, identity, torch.Generator().manual_seed(0))
    assert not warped_won.any() and best.abs().max() < 1e-4
    assert contexts.shape == (1, 2, 3, 8, 12)


def test_axis_angle_gives_the_rotation_rodrigues_gives():
    quarter = axis_angle_to_matrix(torch.tensor([[0.0, 0.0, math.pi / 2]], dtype=torch.float64))[0]
    expected = torch.tensor([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64)
    assert torch.allclose(quarter, expected, atol=1e-12)
    T = pose_matrix(torch.tensor([[0.1, -0.2, 0.3]]), torch.tensor([[1.0, 2.0, 3.0]]))[0]
    assert torch.allclose(T[:3, :3] @ T[:3, :3].T, torch.eye(3), atol=1e-6) and T[:3, 3].tolist() == [1, 2, 3]


def test_posenet_starts_near_the_identity_and_learns():
    net = PoseNet(width=8)
    a, b = torch.rand(2, 3, 64, 96), torch.rand(2, 3, 64, 96)
    T = net(a, b)
    assert T.shape == (2, 4, 4) and torch.allclose(T, torch.eye(4).expand(2, 4, 4), atol=0.05)
    T[:, :3, 3].sum().backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())


def test_oracle_mask_keeps_pixels_within_tau_of_the_ground_truth():
    gt = torch.tensor([[[[10.0, 10.0, 10.0, 0.0]]]])
    teacher = torch.tensor([[[[10.5, 11.4, 12.0, 30.0]]]])  # 5 %, 14 %, 20 % off; no GT (sky)
    assert oracle_mask(teacher, gt, 0.15).flatten().tolist() == [True, True, False, True]
    assert oracle_mask(teacher, gt, 0.15, keep_unseen=False).flatten().tolist() == [True, True, False, False]


def test_scale_aligned_oracle_judges_shape_not_scale():
    gt = torch.tensor([[[[10.0, 20.0, 40.0, 0.0]]]])
    teacher = torch.tensor([[[[20.0, 40.0, 104.0, 30.0]]]])  # twice the GT, and the third pixel 30 % off after that
    # medians over the GT pixels: 20 and 40 → scale 0.5 → 10, 20, 52: 0 %, 0 %, 30 % off; the sky has no GT
    assert oracle_mask(teacher, gt, 0.15, align="median").flatten().tolist() == [True, True, False, True]
    assert oracle_mask(teacher, gt, 0.15).flatten().tolist() == [False, False, False, True]  # metric: all 100 % off
    with pytest.raises(ValueError, match="alignment"):
        oracle_mask(teacher, gt, align="mean")


def test_relative_oracle_keeps_pixels_where_the_teacher_is_at_least_as_close_as_the_student():
    gt = torch.tensor([10.0, 10.0, 10.0, 10.0])
    teacher = torch.tensor([11.0, 13.0, 8.0, 12.0])  # errors 1, 3, 2, 2
    student = torch.tensor([12.0, 9.0, 8.0, 7.0])  # errors 2, 1, 2, 3
    assert closer_to_gt_mask(teacher, student, gt).tolist() == [True, False, True, True]


def test_median_scale_is_the_ratio_of_medians_per_image():
    rng = np.random.default_rng(0)
    pred, gt = rng.uniform(1, 50, (3, 1, 5, 7)), rng.uniform(1, 50, (3, 1, 5, 7))
    where = rng.random((3, 1, 5, 7)) < 0.6
    where[1, 0, 0, :] = True  # an odd count in every image, so the median is one of the values
    where[2] = False  # an image without GT keeps its scale
    counts = where.reshape(3, -1).sum(1)
    if counts[0] % 2 == 0:
        where[0, 0, 0, 0] = not where[0, 0, 0, 0]
    if where[1].sum() % 2 == 0:
        where[1, 0, 1, 0] = not where[1, 0, 1, 0]
    scales = median_scale(torch.from_numpy(pred), torch.from_numpy(gt), torch.from_numpy(where)).flatten().numpy()
    expected = [np.median(gt[i][where[i]]) / np.median(pred[i][where[i]]) for i in range(2)] + [1.0]
    np.testing.assert_allclose(scales, expected, rtol=1e-12)


def test_random_mask_keeps_its_share_whatever_the_teacher_and_repeats_with_the_seed():
    like = torch.zeros(4, 1, 100, 250)
    mask = random_mask(like, 0.3, torch.Generator().manual_seed(7))
    n = like.numel()
    assert mask.shape == like.shape and mask.dtype == torch.bool
    assert abs(mask.float().mean().item() - 0.3) < 5 * math.sqrt(0.3 * 0.7 / n)  # binomial, 5 σ
    again = random_mask(torch.full_like(like, 42.0), 0.3, torch.Generator().manual_seed(7))
    assert torch.equal(mask, again)  # the values of the teacher play no part
    assert not torch.equal(mask, random_mask(like, 0.3, torch.Generator().manual_seed(8)))
    assert bool(random_mask(like, 1.0).all()) and not bool(random_mask(like, 0.0).any())
    with pytest.raises(ValueError, match="random_keep"):
        random_mask(like, 1.5)


def test_mask_quality_is_precision_and_recall_against_the_reference():
    mask = torch.tensor([True, True, False, False, True])
    reference = torch.tensor([True, False, True, False, True])
    where = torch.tensor([True, True, True, True, False])  # the last pixel has no GT
    q = mask_quality(mask, reference, where)
    assert q["precision"].item() == pytest.approx(1 / 2) and q["recall"].item() == pytest.approx(1 / 2)
    assert q["keep"].item() == pytest.approx(2 / 4)
    assert math.isnan(mask_quality(torch.zeros(3, dtype=torch.bool), torch.ones(3, dtype=torch.bool),
                                   torch.ones(3, dtype=torch.bool))["precision"].item())
    assert np.isfinite(q["reference_keep"].item())
