"""Reliability masks: where the teacher's depth is trusted enough to distil.

``photometric`` (the paper's RGD): the teacher is reliable at p when its depth explains the clean
neighbouring frame at least as well as the student's does, pe_T(p) ≤ pe_S(p). The paper prints
the inequality the other way round (likely a typo), hence ``mask_direction``.
``flip_consistency``: the teacher agrees with itself on the mirrored image within a relative tolerance.
``oracle``: the teacher's depth is within a relative error τ of the ground truth — the upper bound of
any reliability rule, possible only where GT exists (the synth world), for experiments. With
``oracle_align="median"`` the teacher is first median-scaled to the GT per image, so the oracle judges
shape, not scale (SILog distillation and the median-scaled evaluation barely see scale).
``random``: each pixel kept with probability ``random_keep``, whatever the teacher does — the control
that tells a rule's pixel choice apart from merely distilling on fewer pixels.
``none``: every pixel (plain distillation, md4all-DD style).
"""

from __future__ import annotations

import torch

from udebench_ude.losses import photometric_error
from udebench_ude.warping import warp

RELIABILITY_RULES = ("photometric", "flip_consistency", "oracle", "random", "none")
ORACLE_ALIGNMENTS = ("none", "median")
MASK_DIRECTIONS = ("teacher_le_student", "teacher_ge_student")


def compare_errors(pe_teacher: torch.Tensor, pe_student: torch.Tensor, direction: str = "teacher_le_student",
                   margin: float = 0.0) -> torch.Tensor:
    """Keep p where pe_T(p) ≤ pe_S(p) + margin (``teacher_le_student``) or pe_T(p) ≥ pe_S(p) − margin.

    A positive ``margin`` drops a pixel only when the teacher is clearly worse (photometric errors
    are noisy: without a margin, equal models split pixels at random).
    """
    if direction == "teacher_le_student":
        return pe_teacher <= pe_student + margin
    if direction == "teacher_ge_student":
        return pe_teacher >= pe_student - margin
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
                     direction: str = "teacher_le_student", keep_unseen: bool = True, alpha: float = 0.85,
                     margin: float = 0.0) -> torch.Tensor:
    """The RGD mask ``[B, 1, H, W]`` (bool), computed without gradients.

    Both depths warp the same clean context frames into the same clean target. Where a pixel is
    seen by no context frame under either depth there is no photometric evidence: it is kept when
    ``keep_unseen`` (the teacher is trusted by default), dropped otherwise.
    """
    with torch.no_grad():
        pe_t, seen_t = min_reprojection_error(target, contexts, teacher_depth, K, T_target_to_context, alpha)
        pe_s, seen_s = min_reprojection_error(target, contexts, student_depth, K, T_target_to_context, alpha)
        seen = seen_t & seen_s
        keep = compare_errors(pe_t, pe_s, direction, margin) & seen
        return keep | ~seen if keep_unseen else keep


def flip_consistency_mask(teacher_depth: torch.Tensor, teacher_depth_of_flipped: torch.Tensor,
                          rel_tol: float = 0.1) -> torch.Tensor:
    """Keep p where ``|d(p) − flip(d_flipped)(p)| ≤ rel_tol · d(p)``; ``d_flipped`` is predicted on the mirror image."""
    unflipped = teacher_depth_of_flipped.flip(-1)
    return (teacher_depth - unflipped).abs() <= rel_tol * teacher_depth


def oracle_mask(teacher_depth: torch.Tensor, gt_depth: torch.Tensor, tau: float = 0.15, *, min_depth: float = 0.1,
                max_depth: float = 80.0, keep_unseen: bool = True, align: str = "none") -> torch.Tensor:
    """Keep p where ``|s·d_T − d_GT| / d_GT < tau``; pixels without GT (sky) are kept when ``keep_unseen``.

    ``align="none"``: s = 1 (metric). ``align="median"``: s = median(d_GT) / median(d_T) over the
    image's pixels with GT, so a teacher right up to one scale factor is kept everywhere.
    """
    has_gt = (gt_depth > min_depth) & (gt_depth < max_depth)
    if align == "median":
        teacher_depth = teacher_depth * median_scale(teacher_depth, gt_depth, has_gt)
    elif align != "none":
        raise ValueError(f"oracle alignment {align!r}: choose one of {ORACLE_ALIGNMENTS}")
    good = (teacher_depth - gt_depth).abs() < tau * gt_depth
    keep = has_gt & good
    return keep | ~has_gt if keep_unseen else keep


def closer_to_gt_mask(teacher_depth: torch.Tensor, student_depth: torch.Tensor, gt_depth: torch.Tensor) -> torch.Tensor:
    """Where the teacher is at least as close to the GT as the student, ``|d_T − d_GT| ≤ |d_S − d_GT|``.

    The reference the photometric rule's comparison (pe_T ≤ pe_S) stands for when depth decides the
    photometric error: a relative oracle, unlike ``oracle_mask`` which judges the teacher alone.
    """
    return (teacher_depth - gt_depth).abs() <= (student_depth - gt_depth).abs()


def median_scale(pred: torch.Tensor, gt: torch.Tensor, where: torch.Tensor) -> torch.Tensor:
    """Per-image ``median(gt) / median(pred)`` over ``where`` as ``[B, 1, 1, 1]`` (1 for an image without GT).

    The evaluation's median alignment, with the lower median of each (``torch.median``'s convention).
    """
    from udebench.plugin import fit_alignment

    scale = fit_alignment(pred, gt, where, "median", median="torch").scale
    return scale.to(pred.dtype).view(-1, *([1] * (pred.dim() - 1)))


def random_mask(like: torch.Tensor, keep: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Keep each pixel of ``like`` independently with probability ``keep`` (bool, same shape)."""
    if not 0.0 <= keep <= 1.0:
        raise ValueError(f"random_keep {keep}: a probability in [0, 1]")
    draws = torch.rand(like.shape, generator=generator)  # on the generator's CPU, then moved: same draws on any device
    return (draws < keep).to(like.device)


def mask_quality(mask: torch.Tensor, reference: torch.Tensor, where: torch.Tensor) -> dict[str, torch.Tensor]:
    """Precision and recall of ``mask`` against ``reference`` (e.g. the oracle) over the pixels ``where``.

    precision = P(reference keeps p | mask keeps p), recall = P(mask keeps p | reference keeps p);
    NaN when undefined (nothing kept). Also ``keep`` (the mask's keep ratio) and ``reference_keep``.
    """
    m, r, w = mask.bool() & where, reference.bool() & where, where.bool()
    tp = (m & r).sum().double()
    nan = torch.tensor(float("nan"), dtype=torch.float64, device=mask.device)
    kept, relevant, total = m.sum().double(), r.sum().double(), w.sum().double()
    return {"precision": tp / kept if kept > 0 else nan, "recall": tp / relevant if relevant > 0 else nan,
            "keep": kept / total if total > 0 else nan, "reference_keep": relevant / total if total > 0 else nan}
