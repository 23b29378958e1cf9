"""Reliability masks: where the teacher's depth is trusted enough to distil.

``photometric`` (the paper's RGD): the teacher is reliable at p when its depth explains the clean
neighbouring frame at least as well as the student's does, pe_T(p) ≤ pe_S(p). The paper prints
the inequality the other way round (likely a typo), hence ``mask_direction``.
``flip_consistency``: the teacher agrees with itself on the mirrored image within a relative tolerance.
``none``: every pixel (plain distillation, md4all-DD style).
"""

from __future__ import annotations

import torch

from udebench_ude.losses import photometric_error
from udebench_ude.warping import warp

RELIABILITY_RULES = ("photometric", "flip_consistency", "none")
MASK_DIRECTIONS = ("teacher_le_student", "teacher_ge_student")


def compare_errors(pe_teacher: torch.Tensor, pe_student: torch.Tensor, direction: str = "teacher_le_student"
                   ) -> torch.Tensor:
    """Keep p where pe_T(p) ≤ pe_S(p) (``teacher_le_student``) or pe_T(p) ≥ pe_S(p) (``teacher_ge_student``)."""
    if direction == "teacher_le_student":
        return pe_teacher <= pe_student
    if direction == "teacher_ge_student":
        return pe_teacher >= pe_student
    raise ValueError(f"mask_direction {direction!r}: choose one of {MASK_DIRECTIONS}")


def min_reprojection_error(target: torch.Tensor, contexts: torch.Tensor, depth: torch.Tensor, K: torch.Tensor,
                           T_target_to_context: torch.Tensor, alpha: float = 0.85) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-pixel minimum photometric error over context frames (Monodepth2), and where any context sees p.

    ``contexts`` ``[B, N, 3, H, W]``, ``T_target_to_context`` ``[B, N, 4, 4]``. Pixels that leave a
    context frame do not count for that frame; where no frame sees p the error is +inf.
    """
    errors, seen = [], []
    for i in range(contexts.shape[1]):
        warped, valid = warp(contexts[:, i], depth, K, T_target_to_context[:, i])
        pe = photometric_error(warped, target, alpha)
        errors.append(torch.where(valid, pe, torch.full_like(pe, float("inf"))))
        seen.append(valid)
    return torch.stack(errors).amin(0), torch.stack(seen).any(0)


def photometric_mask(target: torch.Tensor, contexts: torch.Tensor, K: torch.Tensor, T_target_to_context: torch.Tensor,
                     teacher_depth: torch.Tensor, student_depth: torch.Tensor, *,
                     direction: str = "teacher_le_student", keep_unseen: bool = True, alpha: float = 0.85
                     ) -> torch.Tensor:
    """The RGD mask ``[B, 1, H, W]`` (bool), computed without gradients.

    Both depths warp the same clean context frames into the same clean target. Where a pixel is
    seen by no context frame under either depth there is no photometric evidence: it is kept when
    ``keep_unseen`` (the teacher is trusted by default), dropped otherwise.
    """
    with torch.no_grad():
        pe_t, seen_t = min_reprojection_error(target, contexts, teacher_depth, K, T_target_to_context, alpha)
        pe_s, seen_s = min_reprojection_error(target, contexts, student_depth, K, T_target_to_context, alpha)
        seen = seen_t & seen_s
        keep = compare_errors(pe_t, pe_s, direction) & seen
        return keep | ~seen if keep_unseen else keep


def flip_consistency_mask(teacher_depth: torch.Tensor, teacher_depth_of_flipped: torch.Tensor,
                          rel_tol: float = 0.1) -> torch.Tensor:
    """Keep p where ``|d(p) − flip(d_flipped)(p)| ≤ rel_tol · d(p)``; ``d_flipped`` is predicted on the mirror image."""
    unflipped = teacher_depth_of_flipped.flip(-1)
    return (teacher_depth - unflipped).abs() <= rel_tol * teacher_depth
