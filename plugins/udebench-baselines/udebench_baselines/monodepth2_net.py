"""Monodepth2's depth network (Godard et al., ICCV 2019): ResNet encoder + U-Net depth decoder.

Module and parameter names follow the official ``ResnetEncoder`` (``encoder.*``) and
``DepthDecoder`` (``decoder.0.conv.conv.weight`` ... ``decoder.13.conv.bias``), so the official
``encoder.pth`` / ``depth.pth`` load into it unchanged. Conventions kept from the official code:
3×3 convs after a reflection pad, ELU, nearest-neighbour ×2 upsampling, a sigmoid disparity σ at
four scales. One difference: the official encoder normalises its input itself,
``(x − 0.45) / 0.225``; here that lives in :data:`MEAN` / :data:`STD` (the trainable-network
contract feeds normalised images), which gives the same numbers for the same weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from udebench_baselines.monodepth2_arch import (
    INPUT_MULTIPLE,
    MEAN,
    STD,
    architecture,
)
from udebench_baselines.resnet import ResNet

#: the scales the decoder predicts σ at (0 = full resolution), as the official ``scales=range(4)``.
SCALES = (0, 1, 2, 3)


class Conv3x3(nn.Module):
    """Reflection pad by 1, then a 3×3 conv (official ``layers.Conv3x3``; keys ``conv.weight``/``conv.bias``)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.pad = nn.ReflectionPad2d(1)
        self.conv = nn.Conv2d(int(c_in), int(c_out), 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.pad(x))


class ConvBlock(nn.Module):
    """Conv3x3 then ELU (official ``layers.ConvBlock``; keys ``conv.conv.weight``/``conv.conv.bias``)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv = Conv3x3(c_in, c_out)
        self.nonlin = nn.ELU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlin(self.conv(x))


def decoder_modules(num_ch_enc: list[int], num_ch_dec: list[int]) -> nn.ModuleList:
    """The official decoder's modules in its order: (upconv i,0), (upconv i,1) for i = 4..0, then dispconv 0..3."""
    modules = []
    for i in range(4, -1, -1):
        c_in = num_ch_enc[-1] if i == 4 else num_ch_dec[i + 1]
        modules.append(ConvBlock(c_in, num_ch_dec[i]))
        modules.append(ConvBlock(num_ch_dec[i] + (num_ch_enc[i - 1] if i > 0 else 0), num_ch_dec[i]))
    modules.extend(Conv3x3(num_ch_dec[s], 1) for s in SCALES)
    return nn.ModuleList(modules)


def upconv_index(i: int, j: int) -> int:
    """Index in ``decoder`` of the official ``convs[("upconv", i, j)]``."""
    return 2 * (4 - i) + j


def dispconv_index(scale: int) -> int:
    """Index in ``decoder`` of the official ``convs[("dispconv", scale)]``."""
    return 10 + scale


class Monodepth2Net(nn.Module):
    """ResNet encoder + depth decoder → σ ∈ (0, 1) at full resolution and at four scales.

    Implements the trainable-network contract (:class:`udebench.plugin.TrainableNetwork`): the input is
    RGB in [0, 1] normalised with ``mean``/``std``, both sides multiples of 32; ``forward`` returns
    ``{"sigma": [B,1,H,W], "sigma_scales": [σ at 1, 1/2, 1/4, 1/8]}``. σ becomes depth by
    Monodepth2's ``disp_to_depth`` with ``min_depth``/``max_depth``.
    """

    mean = MEAN
    std = STD
    input_multiple = INPUT_MULTIPLE

    def __init__(self, **arch: Any) -> None:
        super().__init__()
        self.arch = architecture(**arch)
        self.encoder = ResNet(self.arch["num_layers"], self.arch["base_width"])
        self.decoder = decoder_modules(self.encoder.num_ch_enc, list(self.arch["decoder_channels"]))
        self.min_depth = float(self.arch["min_depth"])
        self.max_depth = float(self.arch["max_depth"])

    @property
    def input_size(self) -> tuple[int, int]:
        """(height, width) the weights were trained at (Monodepth2 stores it in encoder.pth)."""
        return int(self.arch["height"]), int(self.arch["width"])

    def forward(self, x: torch.Tensor) -> dict[str, Any]:
        height, width = x.shape[-2:]
        if height % INPUT_MULTIPLE or width % INPUT_MULTIPLE:
            raise ValueError(f"Monodepth2 input {height}x{width}: both sides must be multiples of {INPUT_MULTIPLE}")
        features = self.encoder.features(x)
        sigmas: dict[int, torch.Tensor] = {}
        y = features[-1]
        for i in range(4, -1, -1):
            y = self.decoder[upconv_index(i, 0)](y)
            y = F.interpolate(y, scale_factor=2, mode="nearest")
            if i > 0:
                y = torch.cat([y, features[i - 1]], 1)
            y = self.decoder[upconv_index(i, 1)](y)
            if i in SCALES:
                sigmas[i] = torch.sigmoid(self.decoder[dispconv_index(i)](y))
        return {"sigma": sigmas[0], "sigma_scales": [sigmas[s] for s in SCALES]}

    def export(self, path: str | Path, card: dict[str, Any]) -> str:
        """Write a udebench ``.safetensors`` file (official key names) and ``<name>.json`` (``card``); the sha256."""
        from udebench.plugin import write_card
        from udebench_baselines.monodepth2_weights import save_safetensors

        sha256 = save_safetensors(self, path)
        write_card(path, {**card, "sha256": sha256})
        return sha256


def build_network(seed: int | None = None, **arch: Any) -> Monodepth2Net:
    """``ModelSpec.network``: a randomly initialised Monodepth2 network (seeded when ``seed`` is given)."""
    if seed is not None:
        torch.manual_seed(seed)
    return Monodepth2Net(**arch)
