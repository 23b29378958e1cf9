"""What udebench-baselines registers: one ModelSpec per model, and factories that import torch only when called."""

from __future__ import annotations

from pathlib import Path

from udebench.plugin import ModelSpec


def build_monodepth2(weights: str | None = None, device: str | None = None):
    from udebench_baselines import monodepth2_model

    return monodepth2_model.build(MONODEPTH2, weights)


def monodepth2_network(seed: int | None = None, **arch):
    from udebench_baselines.monodepth2_net import build_network

    return build_network(seed=seed, **arch)


def monodepth2_test_weights(folder: Path) -> str:
    from udebench_baselines.tiny_weights import write_monodepth2

    return str(write_monodepth2(Path(folder)))


MONODEPTH2 = ModelSpec(
    name="monodepth2", factory=build_monodepth2, output="relative_depth",
    description="Monodepth2 (Godard et al. 2019): ResNet-18 U-Net, self-supervised, sigmoid disparity",
    input_size=(192, 640), weights_env="UDEBENCH_MONODEPTH2_WEIGHTS",
    weights_help="official release folder (encoder.pth + depth.pth, e.g. mono_640x192) or a udebench "
                 ".safetensors file (+ .json card); default: the shipped synth-trained file",
    network=monodepth2_network, test_weights=monodepth2_test_weights,
)
