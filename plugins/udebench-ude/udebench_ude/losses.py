"""Loss maths as pure functions: photometric error (SSIM + L1), distillation, semantic, supervised SILog.

Shapes: images ``[B, 3, H, W]`` in [0, 1]; depths, disparities and masks ``[B, 1, H, W]``.
Masked losses average per image over its mask, then over the images that have any masked pixel.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

SSIM_C1 = 0.01**2
SSIM_C2 = 0.03**2
DISTILL_LOSSES = ("silog", "l1_disparity")


def ssim(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-pixel SSIM on 3×3 windows (reflection padding, box filter), as Monodepth2 computes it."""
    x, y = F.pad(x, (1, 1, 1, 1), mode="reflect"), F.pad(y, (1, 1, 1, 1), mode="reflect")
    mu_x, mu_y = F.avg_pool2d(x, 3, 1), F.avg_pool2d(y, 3, 1)
    sigma_x = F.avg_pool2d(x * x, 3, 1) - mu_x**2
    sigma_y = F.avg_pool2d(y * y, 3, 1) - mu_y**2
    sigma_xy = F.avg_pool2d(x * y, 3, 1) - mu_x * mu_y
    numerator = (2 * mu_x * mu_y + SSIM_C1) * (2 * sigma_xy + SSIM_C2)
    denominator = (mu_x**2 + mu_y**2 + SSIM_C1) * (sigma_x + sigma_y + SSIM_C2)
    return numerator / denominator


def photometric_error(pred: torch.Tensor, target: torch.Tensor, alpha: float = 0.85) -> torch.Tensor:
    """``α·clamp((1 − SSIM)/2, 0, 1) + (1 − α)·|pred − target|``, averaged over channels → ``[B, 1, H, W]``."""
    dssim = ((1.0 - ssim(pred, target)) / 2.0).clamp(0.0, 1.0).mean(1, keepdim=True)
    l1 = (pred - target).abs().mean(1, keepdim=True)
    return alpha * dssim + (1.0 - alpha) * l1


def masked_image_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over each image's masked pixels, then over images with any; 0 (with grad) when none has any."""
    mask = mask.to(values.dtype)
    count = mask.flatten(1).sum(1)
    per_image = (values * mask).flatten(1).sum(1) / count.clamp(min=1.0)
    has = count > 0
    return per_image[has].mean() if bool(has.any()) else values.sum() * 0.0


def silog_loss(pred_depth: torch.Tensor, target_depth: torch.Tensor, mask: torch.Tensor,
               variance_focus: float = 0.85) -> torch.Tensor:
    """BTS-style SILog: per image ``sqrt(mean(g²) − λ·mean(g)²)``, g = log pred − log target on the mask.

    With λ < 1 it is not scale-invariant: ``mean(g²) − λ·mean(g)² ≥ (1 − λ)·mean(g)²``, so a global
    scale error is penalised and the prediction stays metric. No ×10 factor.
    """
    g = torch.log(pred_depth.clamp(min=1e-6)) - torch.log(target_depth.clamp(min=1e-6))
    mask = mask.to(g.dtype)
    count = mask.flatten(1).sum(1)
    mean_g = (g * mask).flatten(1).sum(1) / count.clamp(min=1.0)
    mean_g2 = (g * g * mask).flatten(1).sum(1) / count.clamp(min=1.0)
    per_image = torch.sqrt((mean_g2 - variance_focus * mean_g**2).clamp(min=1e-8))
    has = count > 0
    return per_image[has].mean() if bool(has.any()) else g.sum() * 0.0


def l1_disparity_loss(pred_disp: torch.Tensor, target_disp: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference of scaled disparities (1/m) on the mask."""
    return masked_image_mean((pred_disp - target_disp).abs(), mask)


def distillation_loss(kind: str, student: dict[str, torch.Tensor], teacher: dict[str, torch.Tensor],
                      mask: torch.Tensor, variance_focus: float = 0.85) -> torch.Tensor:
    """The distillation term ``kind`` (``silog`` on depth or ``l1_disparity``) of student vs teacher outputs."""
    if kind == "silog":
        return silog_loss(student["depth"], teacher["depth"], mask, variance_focus)
    if kind == "l1_disparity":
        return l1_disparity_loss(student["disp"], teacher["disp"], mask)
    raise ValueError(f"distillation loss {kind!r}: choose one of {DISTILL_LOSSES}")


def semantic_loss(student_features: torch.Tensor, teacher_features: torch.Tensor) -> torch.Tensor:
    """``1 − cos`` between student and frozen-teacher encoder tokens ``[B, N, C]``, averaged over tokens."""
    if student_features.shape != teacher_features.shape:
        raise ValueError(f"semantic loss: student features {tuple(student_features.shape)} and teacher features "
                         f"{tuple(teacher_features.shape)} differ; use the same encoder size or weight 0")
    return (1.0 - F.cosine_similarity(student_features, teacher_features, dim=-1)).mean()


def gt_valid_mask(depth: torch.Tensor, min_depth: float, max_depth: float) -> torch.Tensor:
    """Pixels with ground truth inside (min_depth, max_depth) (sky and invalid are 0)."""
    return (depth > min_depth) & (depth < max_depth)
