"""Inverse warping: synthesise the target view from a neighbouring frame, given target depth and relative pose.

Conventions (as the synth world): OpenCV camera (x right, y down, z forward); pixel centres at
integer coordinates, so pixel u sits at ``u`` and ``grid_sample(align_corners=True)`` maps 0 and
W − 1 to −1 and +1 exactly. ``T_target_to_context`` takes target-camera points to context-camera points.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def pixel_grid(height: int, width: int, *, device=None, dtype=torch.float32) -> torch.Tensor:
    """Homogeneous pixel coordinates ``[3, H*W]`` (u, v, 1), row-major."""
    v, u = torch.meshgrid(torch.arange(height, device=device, dtype=dtype),
                          torch.arange(width, device=device, dtype=dtype), indexing="ij")
    return torch.stack([u.reshape(-1), v.reshape(-1), torch.ones_like(u).reshape(-1)])


def backproject(depth: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """Camera-space points ``[B, 3, H*W]`` of every pixel: ``d · K⁻¹ (u, v, 1)ᵀ``."""
    b, _, h, w = depth.shape
    rays = torch.linalg.inv(K.to(depth.dtype)) @ pixel_grid(h, w, device=depth.device, dtype=depth.dtype)
    return rays * depth.reshape(b, 1, h * w)


def project(points: torch.Tensor, K: torch.Tensor, T: torch.Tensor,
            eps: float = 1e-6) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel coordinates ``[B, 2, N]`` of ``points`` moved by ``T`` (4x4) and projected by ``K``; and z ``[B, N]``."""
    T = T.to(points.dtype)
    moved = T[:, :3, :3] @ points + T[:, :3, 3:]
    z = moved[:, 2]
    uv = (K.to(points.dtype) @ moved)[:, :2] / z.clamp(min=eps)[:, None]
    return uv, z


def warp(source: torch.Tensor, depth: torch.Tensor, K: torch.Tensor, T_target_to_source: torch.Tensor,
         padding_mode: str = "border") -> tuple[torch.Tensor, torch.Tensor]:
    """``source`` resampled into the target view, and the mask of target pixels that land inside ``source``.

    ``depth`` is the target's depth ``[B, 1, H, W]``; ``source`` is ``[B, C, H, W]`` (same size).
    Pixels that land off the neighbour's sensor take the border colour (Monodepth2) and are False
    in the mask; the last half pixel of the border counts as on the sensor.
    """
    b, _, h, w = depth.shape
    uv, z = project(backproject(depth, K), K, T_target_to_source)
    u, v = uv[:, 0], uv[:, 1]
    # on the sensor: pixel centres sit at 0..W−1, so the image spans [−0.5, W − 0.5]
    valid = (z > 1e-6) & (u >= -0.5) & (u <= w - 0.5) & (v >= -0.5) & (v <= h - 0.5)
    grid = torch.stack([2.0 * u / max(w - 1, 1) - 1.0, 2.0 * v / max(h - 1, 1) - 1.0], dim=-1).reshape(b, h, w, 2)
    warped = F.grid_sample(source, grid.to(source.dtype), mode="bilinear", padding_mode=padding_mode,
                           align_corners=True)
    return warped, valid.reshape(b, 1, h, w)
