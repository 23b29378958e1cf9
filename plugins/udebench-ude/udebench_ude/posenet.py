"""A two-frame pose network (Monodepth2's "separate" PoseNet, compact): ``(target, context) → T_target_to_context``.

A small ResNet-style encoder reads the two frames stacked on the channel axis; Monodepth2's pose
decoder (1×1 squeeze, three 3×3 convs, spatial mean) gives an axis-angle rotation and a translation,
scaled by 0.01 so training starts near the identity. Used when poses are not known.
"""

from __future__ import annotations

import torch
from torch import nn


def axis_angle_to_matrix(axis_angle: torch.Tensor) -> torch.Tensor:
    """Rodrigues' formula: ``[B, 3]`` axis·angle → ``[B, 3, 3]`` rotation."""
    angle = axis_angle.norm(dim=1, keepdim=True).clamp(min=1e-7)
    axis = axis_angle / angle
    x, y, z = axis[:, 0], axis[:, 1], axis[:, 2]
    zeros = torch.zeros_like(x)
    cross = torch.stack([zeros, -z, y, z, zeros, -x, -y, x, zeros], dim=1).view(-1, 3, 3)
    eye = torch.eye(3, dtype=axis.dtype, device=axis.device).expand_as(cross)
    s, c = torch.sin(angle)[..., None], torch.cos(angle)[..., None]
    return eye + s * cross + (1 - c) * (cross @ cross)


def pose_matrix(axis_angle: torch.Tensor, translation: torch.Tensor) -> torch.Tensor:
    """``[B, 4, 4]`` rigid transform ``x ↦ R x + t``."""
    out = torch.eye(4, dtype=axis_angle.dtype, device=axis_angle.device).repeat(axis_angle.shape[0], 1, 1)
    out[:, :3, :3] = axis_angle_to_matrix(axis_angle)
    out[:, :3, 3] = translation
    return out


def _block(c_in: int, c_out: int, stride: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
                         nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class PoseNet(nn.Module):
    """``forward(target, context)`` (both ``[B, 3, H, W]``, normalised) → ``T_target_to_context`` ``[B, 4, 4]``."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        widths = [width, width, 2 * width, 4 * width, 8 * width]
        layers = [nn.Sequential(nn.Conv2d(6, widths[0], 7, 2, 3, bias=False), nn.BatchNorm2d(widths[0]),
                                nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1))]
        layers += [_block(widths[i], widths[i + 1], 1 if i == 0 else 2) for i in range(4)]
        self.encoder = nn.Sequential(*layers)
        self.decoder = nn.Sequential(nn.Conv2d(widths[-1], 256, 1), nn.ReLU(inplace=True),
                                     nn.Conv2d(256, 256, 3, 1, 1), nn.ReLU(inplace=True),
                                     nn.Conv2d(256, 256, 3, 1, 1), nn.ReLU(inplace=True), nn.Conv2d(256, 6, 1))

    def forward(self, target: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        out = self.decoder(self.encoder(torch.cat([target, context], dim=1))).mean(dim=(2, 3)) * 0.01
        return pose_matrix(out[:, :3], out[:, 3:])
