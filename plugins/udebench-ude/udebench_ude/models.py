"""The UDE network: a DINOv2 encoder + DPT head (Depth Anything's architecture) with a sigmoid disparity output.

The network is ``transformers``' ``DepthAnythingForDepthEstimation`` built from a ``Dinov2Config``
and a ``DepthAnythingConfig`` with ``depth_estimation_type="metric"`` and ``max_depth=1``, so its
head ends in a plain sigmoid σ ∈ (0, 1). σ is read in the Monodepth2 convention:
``disp = 1/max_depth + (1/min_depth − 1/max_depth)·σ`` and ``depth = 1/disp``, which bounds every
prediction to [min_depth, max_depth] and keeps the weights loadable by any Depth Anything code.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch import nn

from udebench_ude.arch import IMAGENET_MEAN, IMAGENET_STD, MAX_DEPTH, MIN_DEPTH, PATCH_SIZE, architecture


def sigmoid_to_disp(sigma: torch.Tensor, min_depth: float = MIN_DEPTH, max_depth: float = MAX_DEPTH) -> torch.Tensor:
    """Monodepth2's scaled disparity: σ=0 → 1/max_depth, σ=1 → 1/min_depth."""
    min_disp, max_disp = 1.0 / max_depth, 1.0 / min_depth
    return min_disp + (max_disp - min_disp) * sigma


def disp_to_depth(disp: torch.Tensor) -> torch.Tensor:
    """Depth in metres from scaled disparity (the inverse)."""
    return 1.0 / disp


def depth_to_sigmoid(depth: torch.Tensor, min_depth: float = MIN_DEPTH, max_depth: float = MAX_DEPTH) -> torch.Tensor:
    """The σ that produces ``depth`` (for tests and for targets in σ space)."""
    min_disp, max_disp = 1.0 / max_depth, 1.0 / min_depth
    return (1.0 / depth - min_disp) / (max_disp - min_disp)


def dpt_stages(layers: int) -> list[int]:
    """The 4 encoder stages the DPT neck reads: evenly spaced as Depth Anything ([3, 6, 9, 12] of 12 layers).

    Stage 0 is the patch embedding; with 3 layers the only four stages are 0-3.
    """
    if layers < 4:
        return list(range(layers - 3, layers + 1))
    return [math.ceil(layers * k / 4) for k in range(1, 5)]


def build_config(arch: dict[str, Any]):
    """A ``DepthAnythingConfig`` (with its ``Dinov2Config`` backbone) from an architecture dict."""
    from transformers import DepthAnythingConfig, Dinov2Config

    layers = int(arch["num_hidden_layers"])
    if layers < 3:
        raise ValueError("the DPT neck needs 4 distinct feature maps: use at least 3 encoder layers")
    hidden = int(arch["hidden_size"])
    backbone = Dinov2Config(
        image_size=int(arch["image_size"]), patch_size=PATCH_SIZE, hidden_size=hidden, num_hidden_layers=layers,
        num_attention_heads=int(arch["num_attention_heads"]), intermediate_size=4 * hidden,
        out_indices=dpt_stages(layers),
        reshape_hidden_states=False,
    )
    return DepthAnythingConfig(
        backbone_config=backbone, patch_size=PATCH_SIZE, reassemble_hidden_size=hidden,
        neck_hidden_sizes=list(arch["neck_hidden_sizes"]), fusion_hidden_size=int(arch["fusion_hidden_size"]),
        head_hidden_size=int(arch["head_hidden_size"]), depth_estimation_type="metric", max_depth=1,
    )


class UDENet(nn.Module):
    """DINOv2 + DPT → σ, scaled disparity and depth; optionally the encoder's patch tokens.

    Input: normalised RGB ``[B, 3, H, W]`` with H and W multiples of 14. Output dict:
    ``sigma``, ``disp``, ``depth`` as ``[B, 1, H, W]``; ``features`` ``[B, N, C]`` (the last
    encoder stage's patch tokens, CLS dropped) when ``return_features`` — the semantic loss uses them.
    It is a :class:`udebench.plugin.TrainableNetwork`, so any udebench trainer can train it.
    """

    mean = IMAGENET_MEAN
    std = IMAGENET_STD
    input_multiple = PATCH_SIZE

    def __init__(self, config: Any, *, min_depth: float = MIN_DEPTH, max_depth: float = MAX_DEPTH,
                 arch: dict[str, Any] | None = None, module: nn.Module | None = None) -> None:
        super().__init__()
        from transformers import DepthAnythingForDepthEstimation

        if config.depth_estimation_type != "metric" or config.max_depth != 1:
            raise ValueError("UDENet reads the head as a plain sigmoid: use depth_estimation_type='metric', "
                             "max_depth=1")
        self.depth_anything = DepthAnythingForDepthEstimation(config) if module is None else module
        self.min_depth = float(min_depth)
        self.max_depth = float(max_depth)
        self.arch = dict(arch or {})

    @property
    def config(self) -> Any:
        return self.depth_anything.config

    def export(self, path: str | Path, card: dict[str, Any]) -> str:
        """fp16 safetensors (+ ``<name>.json`` card) that ``ude_student``/``ude_teacher --weights`` read."""
        from udebench.plugin import write_card
        from udebench_ude.weights import save_safetensors

        sha256 = save_safetensors(self, path, fp16=True)
        write_card(path, {**card, "arch": self.arch, "min_depth": self.min_depth, "max_depth": self.max_depth,
                          "input_size": list(self.arch.get("input_size") or []), "mean": self.mean, "std": self.std,
                          "output": "metric_depth", "dtype": "float16", "sha256": sha256,
                          "n_parameters": count_parameters(self)})
        return sha256

    def forward(self, pixel_values: torch.Tensor, return_features: bool = False) -> dict[str, torch.Tensor]:
        net = self.depth_anything
        _, _, height, width = pixel_values.shape
        if height % PATCH_SIZE or width % PATCH_SIZE:
            raise ValueError(f"UDENet input {height}x{width}: both sides must be multiples of {PATCH_SIZE}")
        feature_maps = net.backbone(pixel_values).feature_maps
        patch_h, patch_w = height // PATCH_SIZE, width // PATCH_SIZE
        sigma = net.head(net.neck(feature_maps, patch_h, patch_w), patch_h, patch_w)[:, None]
        disp = sigmoid_to_disp(sigma, self.min_depth, self.max_depth)
        out = {"sigma": sigma, "disp": disp, "depth": disp_to_depth(disp)}
        if return_features:
            out["features"] = feature_maps[-1][:, 1:]
        return out


def build_net(size: str = "tiny", *, min_depth: float = MIN_DEPTH, max_depth: float = MAX_DEPTH,
              seed: int | None = None, init_depth: float | None = 10.0, **overrides: Any) -> UDENet:
    """A randomly initialised UDENet of ``size`` (seeded when ``seed`` is given).

    The last bias starts at the σ of ``init_depth`` metres: in the Monodepth2 parametrisation road
    depths (2–80 m) live at σ < 0.05, so a fresh head at σ = 0.5 (0.2 m) starts far from every target
    and from-scratch training first spends its steps, and its sigmoid's gradient, getting there.
    """
    arch = architecture(size, **overrides)
    if seed is not None:
        torch.manual_seed(seed)
    net = UDENet(build_config(arch), min_depth=min_depth, max_depth=max_depth, arch=arch)
    if init_depth is not None:
        sigma = depth_to_sigmoid(torch.tensor(float(init_depth)), min_depth, max_depth)
        with torch.no_grad():
            net.depth_anything.head.conv3.bias.fill_(float(torch.logit(sigma)))
    return net


def count_parameters(module: Any) -> int:
    return sum(p.numel() for p in module.parameters())
