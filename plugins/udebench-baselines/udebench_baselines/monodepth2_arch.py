"""Monodepth2's architecture options and conventions: plain data, importable without torch."""

from __future__ import annotations

from typing import Any

from udebench.plugin import UdebenchError

#: Monodepth2's ``disp_to_depth`` range (``--min_depth 0.1 --max_depth 100``, its options.py defaults).
MIN_DEPTH = 0.1
MAX_DEPTH = 100.0
#: the official encoder computes ``(x − 0.45) / 0.225`` on RGB in [0, 1] (same for every channel).
MEAN = (0.45, 0.45, 0.45)
STD = (0.225, 0.225, 0.225)
#: the encoder halves the size five times and the decoder concatenates skips: sides must divide by 32.
INPUT_MULTIPLE = 32
#: the official decoder's ``num_ch_dec``.
DECODER_CHANNELS = (16, 32, 64, 128, 256)
#: the official KITTI models' input (mono_640x192, stereo_640x192, mono+stereo_640x192).
INPUT_SIZE = (192, 640)

DEFAULT_ARCH: dict[str, Any] = {
    "num_layers": 18,
    "base_width": 64,
    "decoder_channels": DECODER_CHANNELS,
    "height": INPUT_SIZE[0],
    "width": INPUT_SIZE[1],
    "min_depth": MIN_DEPTH,
    "max_depth": MAX_DEPTH,
}

#: a narrow ResNet-18 whose fp16 file stays well under 10 MB (≈ 3.6 M parameters, ≈ 7 MB): for shipped weights.
SMALL_ARCH: dict[str, Any] = {"num_layers": 18, "base_width": 32, "decoder_channels": (8, 16, 32, 64, 128)}


def architecture(**overrides: Any) -> dict[str, Any]:
    """The full architecture dict: Monodepth2's defaults with ``overrides``, checked (one-line errors)."""
    from udebench_baselines.resnet import LAYOUTS

    unknown = sorted(set(overrides) - set(DEFAULT_ARCH))
    if unknown:
        raise UdebenchError(f"monodepth2 architecture: unknown option(s) {', '.join(unknown)}; "
                            f"known: {', '.join(DEFAULT_ARCH)}")
    arch = {**DEFAULT_ARCH, **overrides}
    arch["num_layers"], arch["base_width"] = int(arch["num_layers"]), int(arch["base_width"])
    arch["decoder_channels"] = tuple(int(c) for c in arch["decoder_channels"])
    arch["height"], arch["width"] = int(arch["height"]), int(arch["width"])
    arch["min_depth"], arch["max_depth"] = float(arch["min_depth"]), float(arch["max_depth"])
    if arch["num_layers"] not in LAYOUTS:
        raise UdebenchError(f"monodepth2 num_layers {arch['num_layers']}: choose one of {sorted(LAYOUTS)}")
    if len(arch["decoder_channels"]) != 5:
        raise UdebenchError(f"monodepth2 decoder_channels {arch['decoder_channels']}: give 5 widths, finest first")
    if arch["height"] % INPUT_MULTIPLE or arch["width"] % INPUT_MULTIPLE:
        raise UdebenchError(f"monodepth2 input {arch['height']}x{arch['width']}: both sides must be multiples of "
                            f"{INPUT_MULTIPLE}")
    if not 0 < arch["min_depth"] < arch["max_depth"]:
        raise UdebenchError(f"monodepth2 depth range {arch['min_depth']}–{arch['max_depth']}: need 0 < min < max")
    return arch
