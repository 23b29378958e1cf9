"""The input resizing and normalisation of a checkpoint's image processor, applied to batched tensors.

Depth Anything, DPT and ZoeDepth checkpoints ship a ``preprocessor_config.json`` (transformers'
``DPTImageProcessor`` / ``ZoeDepthImageProcessor``): a target ``size``, ``keep_aspect_ratio`` (scale
both sides by the factor that changes the image least), ``ensure_multiple_of`` (round each side to
a multiple: 14 for a DINOv2 patch), the ``resample`` filter and ``image_mean``/``image_std``. The
rule is reproduced here on ``[B, 3, H, W]`` tensors so a batch of any size runs the way the
checkpoint's own processor would prepare it; the model's defaults apply where the file says nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

#: PIL resampling codes used in preprocessor_config.json → torch interpolation modes.
PIL_RESAMPLE = {0: "nearest", 2: "bilinear", 3: "bicubic"}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
HALF = (0.5, 0.5, 0.5)


@dataclass(frozen=True)
class Preprocessing:
    """How a checkpoint wants its input: size rule, filter, normalisation (and ZoeDepth's reflect padding)."""

    size: tuple[int, int]
    keep_aspect_ratio: bool = False
    multiple: int = 1
    resample: str = "bicubic"
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    pad: bool = False

    def input_size(self, height: int, width: int) -> tuple[int, int]:
        return resized_size(height, width, self.size, keep_aspect_ratio=self.keep_aspect_ratio,
                            multiple=self.multiple)


def _to_multiple(value: float, multiple: int) -> int:
    """Round to the nearest multiple (at least one multiple), as transformers' ``constrain_to_multiple_of``."""
    rounded = round(value / multiple) * multiple
    return int(rounded if rounded > 0 else math.ceil(value / multiple) * multiple)


def resized_size(height: int, width: int, target: tuple[int, int], *, keep_aspect_ratio: bool,
                 multiple: int) -> tuple[int, int]:
    """The (height, width) an image of ``height × width`` is resized to (transformers' DPT/ZoeDepth rule)."""
    scale_h, scale_w = target[0] / height, target[1] / width
    if keep_aspect_ratio:  # scale as little as possible
        if abs(1 - scale_w) < abs(1 - scale_h):
            scale_h = scale_w
        else:
            scale_w = scale_h
    return _to_multiple(scale_h * height, multiple), _to_multiple(scale_w * width, multiple)


def read_preprocessing(config: dict[str, Any] | None, default: Preprocessing) -> Preprocessing:
    """``default`` overridden by what a ``preprocessor_config.json`` (already parsed) says."""
    if not config:
        return default
    out = default
    size = config.get("size")
    if isinstance(size, dict) and "height" in size and "width" in size:
        out = replace(out, size=(int(size["height"]), int(size["width"])))
    elif isinstance(size, dict) and "shortest_edge" in size:
        out = replace(out, size=(int(size["shortest_edge"]),) * 2)
    elif isinstance(size, int):
        out = replace(out, size=(size, size))
    if "keep_aspect_ratio" in config:
        out = replace(out, keep_aspect_ratio=bool(config["keep_aspect_ratio"]))
    if config.get("ensure_multiple_of"):
        out = replace(out, multiple=max(1, int(round(float(config["ensure_multiple_of"])))))
    if config.get("resample") in PIL_RESAMPLE:
        out = replace(out, resample=PIL_RESAMPLE[config["resample"]])
    if config.get("do_normalize", True) is False:
        out = replace(out, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))
    else:
        if config.get("image_mean") is not None:
            out = replace(out, mean=_triple(config["image_mean"]))
        if config.get("image_std") is not None:
            out = replace(out, std=_triple(config["image_std"]))
    if "do_pad" in config:
        out = replace(out, pad=bool(config["do_pad"]) and default.pad)
    return out


def _triple(value: Any) -> tuple[float, float, float]:
    values = [float(v) for v in (value if isinstance(value, (list, tuple)) else [value] * 3)]
    return (values[0], values[1], values[2])


def preprocessing_of(folder: Path, default: Preprocessing) -> Preprocessing:
    from udebench_baselines.hf_folders import PREPROCESSOR_FILE, read_json

    return read_preprocessing(read_json(folder, PREPROCESSOR_FILE), default)


def resize(x: Any, size: tuple[int, int], mode: str) -> Any:
    """``[B, C, H, W]`` resized to ``size`` (no copy when it already has it); antialiased like PIL when shrinking."""
    import torch.nn.functional as F

    if tuple(x.shape[-2:]) == tuple(size):
        return x
    if mode == "nearest":
        return F.interpolate(x, size=size, mode="nearest")
    return F.interpolate(x, size=size, mode=mode, align_corners=False, antialias=True)
