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


def build_md4all(weights: str | None = None, device: str | None = None):
    from udebench_baselines import md4all

    return md4all.build(MD4ALL, weights)


def md4all_test_weights(folder: Path) -> str:
    from udebench_baselines.tiny_weights import write_md4all

    return str(write_md4all(Path(folder)))


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

#: Why ``metric_depth``: md4all's baseline learns metric scale from its weak velocity loss and the AD/DD
#: models learn from it (DD distils the baseline's depth), and md4all evaluates without median scaling.
#: On data from another camera (synth) that scale does not transfer: add ``--align median``.
MD4ALL = ModelSpec(
    name="md4all", factory=build_md4all, output="metric_depth",
    description="md4all-AD/DD (Gasperini et al. 2023): Monodepth2 network, day-and-night robust; velocity-scaled",
    input_size=(320, 576), weights_env="UDEBENCH_MD4ALL_WEIGHTS",
    weights_help="md4all .ckpt (md4allDDa_nuscenes.ckpt, ...) or a folder with one, or a udebench .safetensors",
    network=monodepth2_network, test_weights=md4all_test_weights,
)
