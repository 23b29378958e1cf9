"""Inverse warping and the photometric reliability on worlds whose geometry is known exactly."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("udebench_ude")

from udebench_ude.data import SequenceDataset, collate  # noqa: E402
from udebench_ude.losses import photometric_error  # noqa: E402
from udebench_ude.reliability import photometric_mask  # noqa: E402
from udebench_ude.warping import backproject, project, warp  # noqa: E402

from tests.ude_helpers import PlaneSequenceSplit, plane_intrinsics  # noqa: E402


def _plane_batch(**kwargs):
    split = PlaneSequenceSplit(**kwargs)
    return collate([SequenceDataset(split)[1]])


def test_fronto_parallel_plane_shifts_every_pixel_by_f_t_over_d():
    h, w, d, t = 6, 8, 4.0, 0.25
    K = torch.tensor(plane_intrinsics(h, w), dtype=torch.float32)[None]
    T = torch.eye(4)[None]
    T[0, 0, 3] = -t  # the context camera sits t metres to the right
    uv, z = project(backproject(torch.full((1, 1, h, w), d), K), K, T)
    u = torch.arange(w, dtype=torch.float32).repeat(h)
    v = torch.arange(h, dtype=torch.float32).repeat_interleave(w)
    shift = K[0, 0, 0].item() * t / d  # 0.58·8·0.25/4 = 0.29 px
    assert torch.allclose(uv[0, 0], u - shift, atol=1e-5)
    assert torch.allclose(uv[0, 1], v, atol=1e-5)
    assert torch.allclose(z, torch.full_like(z, d))


def test_warping_a_neighbour_with_true_depth_and_pose_reproduces_the_target():
    batch = _plane_batch(height=28, width=56)
    target = batch["image"].float() / 255
    depth = batch["depth"]
    for i in range(batch["context_images"].shape[1]):
        source = batch["context_images"][:, i].float() / 255
        warped, valid = warp(source, depth, batch["intrinsics"], batch["T_target_to_context"][:, i])
        error = photometric_error(warped, target)
        assert valid.float().mean() > 0.8
        assert error[valid].mean() < 0.02
        assert photometric_error(source, target)[valid].mean() > 3 * error[valid].mean()  # warping did the work


def test_photometric_mask_trusts_true_depth_over_a_wrong_one():
    batch = _plane_batch(height=28, width=56)
    target = batch["image"].float() / 255
    contexts = batch["context_images"].float() / 255
    args = (target, contexts, batch["intrinsics"], batch["T_target_to_context"])
    true_depth, wrong_depth = batch["depth"], batch["depth"] * 3
    keep = photometric_mask(*args, teacher_depth=true_depth, student_depth=wrong_depth, keep_unseen=False)
    flipped = photometric_mask(*args, teacher_depth=true_depth, student_depth=wrong_depth,
                               direction="teacher_ge_student", keep_unseen=False)
    assert keep.float().mean() > 0.8
    assert flipped.float().mean() < 0.2


def test_synth_sequence_warped_with_true_depth_and_pose_reproduces_the_neighbour():
    splits = pytest.importorskip("udebench.data.synth.splits")
    split = splits.SynthSequenceSplit(condition="day", n_sequences=1, frames_per_sequence=3, height=56, width=112)
    batch = collate([SequenceDataset(split)[0]])
    target = batch["image"].float() / 255
    depth = batch["depth"]
    has_depth = depth > 0  # sky has no depth: nothing to warp there
    for i in range(batch["context_images"].shape[1]):
        source = batch["context_images"][:, i].float() / 255
        warped, valid = warp(source, depth, batch["intrinsics"], batch["T_target_to_context"][:, i])
        keep = valid & has_depth
        assert keep.float().mean() > 0.3
        assert photometric_error(warped, target)[keep].mean() < 0.1
