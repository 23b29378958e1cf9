"""The flat-ground prior as an nn.Module (no parameters)."""

from __future__ import annotations

import torch
from torch import nn


class GroundPlane(nn.Module):
    """Relative depth 1 / (v − v_horizon) per row, ``far`` at and above the horizon.

    A level pinhole camera at height h sees the road at row v at depth f·h / (v − c_y),
    so up to the unknown scale f·h this is the road's exact depth. The horizon is the
    principal point's row when intrinsics are given, else the middle row.
    """

    def __init__(self, far: float = 20.0) -> None:
        super().__init__()
        self.far = far

    def forward(self, images: torch.Tensor, intrinsics: torch.Tensor | None = None) -> torch.Tensor:
        b, _, h, w = images.shape
        rows = torch.arange(h, device=images.device, dtype=torch.float32) + 0.5
        if intrinsics is not None:
            horizon = intrinsics[:, 1, 2].to(images.device, torch.float32)
        else:
            horizon = torch.full((b,), h / 2.0, device=images.device)
        below = (rows[None, :] - horizon[:, None]) / h
        depth = 1.0 / below.clamp(min=1.0 / self.far)
        return depth[:, None, :, None].expand(b, 1, h, w)
