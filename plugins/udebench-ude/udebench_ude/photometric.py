"""Monodepth2's self-supervised loss as pure functions (Godard et al., ICCV 2019).

Per scale s: the disparity is upsampled to the input resolution, the target's depth warps each
context frame into the target view, and the per-pixel error ``α·(1 − SSIM)/2 + (1 − α)·|·|``
(α = 0.85) is minimised over context frames ("minimum reprojection"). Auto-masking adds the
errors of the *unwarped* context frames to that minimum, so pixels that look the same without any
motion (static camera, objects moving with it, textureless sky) pick the identity error, which has
no gradient. An edge-aware smoothness term on the mean-normalised disparity of scale s is weighted
``smoothness / 2**s``. The loss is the mean over scales.

Shapes: images ``[B, 3, H, W]`` in [0, 1]; ``contexts`` ``[B, N, 3, H, W]``; disparities ``[B, 1, h, w]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from udebench_ude.losses import photometric_error
from udebench_ude.warping import warp

#: Monodepth2 adds this much noise to the identity errors to break ties with the reprojection errors.
IDENTITY_TIE_NOISE = 1e-5


def reprojection_errors(target: torch.Tensor, contexts: torch.Tensor, depth: torch.Tensor, K: torch.Tensor,
                        T_target_to_context: torch.Tensor, alpha: float = 0.85) -> torch.Tensor:
    """Per-context photometric errors ``[B, N, H, W]`` of the contexts warped into the target by ``depth``.

    Out-of-view pixels take the border colour, as Monodepth2 (``padding_mode="border"``), and count.
    """
    errors = []
    for i in range(contexts.shape[1]):
        warped, _ = warp(contexts[:, i], depth, K, T_target_to_context[:, i])
        errors.append(photometric_error(warped, target, alpha)[:, 0])
    return torch.stack(errors, dim=1)


def identity_errors(target: torch.Tensor, contexts: torch.Tensor, alpha: float = 0.85) -> torch.Tensor:
    """Photometric errors ``[B, N, H, W]`` of the unwarped contexts (what auto-masking compares against)."""
    return torch.stack([photometric_error(contexts[:, i], target, alpha)[:, 0] for i in range(contexts.shape[1])], 1)


def min_reprojection(reprojection: torch.Tensor, identity: torch.Tensor | None = None,
                     generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-pixel minimum over contexts ``[B, H, W]``, and the auto-mask (True where a warped frame won).

    Without ``identity`` (auto-masking off) the mask is all True.
    """
    if identity is None:
        best = reprojection.min(dim=1).values
        return best, torch.ones_like(best, dtype=torch.bool)
    noise = torch.randn(identity.shape, generator=generator, device="cpu").to(identity) * IDENTITY_TIE_NOISE
    combined = torch.cat([identity + noise, reprojection], dim=1)
    best, index = combined.min(dim=1)
    return best, index >= identity.shape[1]


def smoothness_loss(disp: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
    """Edge-aware smoothness of the mean-normalised disparity (Monodepth2's ``get_smooth_loss``)."""
    norm = disp / (disp.mean(dim=(2, 3), keepdim=True) + 1e-7)
    grad_dx = (norm[:, :, :, :-1] - norm[:, :, :, 1:]).abs()
    grad_dy = (norm[:, :, :-1, :] - norm[:, :, 1:, :]).abs()
    image_dx = (image[:, :, :, :-1] - image[:, :, :, 1:]).abs().mean(1, keepdim=True)
    image_dy = (image[:, :, :-1, :] - image[:, :, 1:, :]).abs().mean(1, keepdim=True)
    return (grad_dx * torch.exp(-image_dx)).mean() + (grad_dy * torch.exp(-image_dy)).mean()


def monodepth2_loss(disp_scales: Sequence[torch.Tensor], target: torch.Tensor, contexts: torch.Tensor,
                    K: torch.Tensor, T_target_to_context: torch.Tensor, *, disp_to_depth, alpha: float = 0.85,
                    smoothness: float = 1e-3, automask: bool = True,
                    generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """The self-supervised loss over ``disp_scales`` (finest first), each ``[B, 1, h_s, w_s]`` scaled disparity.

    ``disp_to_depth`` maps a full-resolution disparity to depth (``1 / disp`` for Monodepth2's scaled
    disparity). Returns ``loss_photometric``, ``loss_smoothness`` and ``automask_ratio`` (the share of
    pixels where a warped frame beat the unwarped ones, at the finest scale).
    """
    height, width = target.shape[-2:]
    identity = identity_errors(target, contexts, alpha) if automask else None
    photometric, smooth = [], []
    automask_ratio = None
    for scale, disp in enumerate(disp_scales):
        full = disp if disp.shape[-2:] == (height, width) else F.interpolate(
            disp, size=(height, width), mode="bilinear", align_corners=False)
        errors = reprojection_errors(target, contexts, disp_to_depth(full), K, T_target_to_context, alpha)
        best, chosen = min_reprojection(errors, identity, generator)
        photometric.append(best.mean())
        if automask_ratio is None:
            automask_ratio = chosen.float().mean()
        image = target if disp.shape[-2:] == (height, width) else F.interpolate(
            target, size=disp.shape[-2:], mode="bilinear", align_corners=False)
        smooth.append(smoothness * smoothness_loss(disp, image) / (2**scale))
    n = len(photometric)
    return {"loss_photometric": torch.stack(photometric).sum() / n, "loss_smoothness": torch.stack(smooth).sum() / n,
            "automask_ratio": automask_ratio.detach()}
