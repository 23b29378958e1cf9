"""The structure half of GDT: a depth map as the depth ControlNet expects it (pure tensor maths).

ControlNet 1.1 depth was trained on MiDaS-style maps: relative inverse depth, min–max normalised
per image to [0, 1], near = bright, as three identical channels. Whatever a depth model predicts
(metric or relative depth, affine-invariant disparity or depth) is turned into that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

#: model output kinds (``ModelSpec.output``) that are already disparity-like (large = near)
DISPARITY_KINDS: tuple[str, ...] = ("affine_disparity",)


def disparity_of(prediction: torch.Tensor, output_kind: str) -> torch.Tensor:
    """``[B, h, w]`` prediction of a model whose output is ``output_kind`` → disparity-like (near = large).

    Depth becomes 1/depth; pixels with no positive depth (0, NaN) become 0, i.e. the farthest.
    """
    import torch

    prediction = prediction.float()
    if output_kind in DISPARITY_KINDS:
        return torch.nan_to_num(prediction, nan=0.0, posinf=0.0, neginf=0.0)
    valid = torch.isfinite(prediction) & (prediction > 0)
    return torch.where(valid, 1.0 / prediction.clamp_min(1e-6), torch.zeros_like(prediction))


def control_image(disparity: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """``[B, h, w]`` disparity → ``[B, 3, H, W]`` in [0, 1] at ``size``: resized, min–max normalised per image.

    A constant map (no structure) becomes all zeros.
    """
    import torch.nn.functional as F

    x = F.interpolate(disparity[:, None].float(), size=size, mode="bilinear", align_corners=False)
    low = x.amin(dim=(2, 3), keepdim=True)
    span = x.amax(dim=(2, 3), keepdim=True) - low
    x = (x - low) / span.clamp_min(1e-12)
    return x.clamp(0, 1).expand(-1, 3, -1, -1).contiguous()


def diffusion_size(height: int, width: int, short_side: int) -> tuple[int, int]:
    """The size GDT runs at: the short side ``short_side``, the aspect ratio kept, both multiples of 64."""
    scale = short_side / min(height, width)
    return (max(64, int(round(height * scale / 64)) * 64), max(64, int(round(width * scale / 64)) * 64))


def adjust_brightness(images: torch.Tensor, factor: float) -> torch.Tensor:
    """``[B, 3, H, W]`` sRGB-ish in [0, 1] with linear-light intensity × ``factor`` (γ 2.2): darker night images."""
    if factor == 1.0:
        return images
    return ((images.clamp(0, 1) ** 2.2) * factor).clamp(0, 1) ** (1 / 2.2)
