"""The ``monodepth2`` DepthModel: load the weights, run at the checkpoint's size, σ → depth."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from udebench.plugin import DepthModel, ModelSpec, UdebenchError, sigmoid_to_depth

WEIGHTS_DIR = Path(__file__).parent / "weights"
#: what ``monodepth2`` loads without --weights (synth-trained, written by the trainer's export).
SHIPPED = "monodepth2_synth.safetensors"


def shipped_weights() -> Path:
    return WEIGHTS_DIR / SHIPPED


def predict_depth(module: Any, x: Any, intrinsics: Any = None) -> Any:
    """Monodepth2's ``disp_to_depth``: σ at full resolution → depth in the network's range."""
    return sigmoid_to_depth(module(x)["sigma"], module.min_depth, module.max_depth)


OFFICIAL_HELP = ("pass --weights DIR with the official encoder.pth + depth.pth (e.g. mono_640x192 from the "
                 "monodepth2 README)")


def build(spec: ModelSpec, weights: str | None, *, shipped: str = SHIPPED, help: str = OFFICIAL_HELP) -> DepthModel:
    """A DepthModel for ``spec`` from ``weights`` (folder or file), else the shipped file ``weights/<shipped>``."""
    from udebench_baselines.monodepth2_weights import load_network

    if weights is None:
        path = WEIGHTS_DIR / shipped
        if not path.is_file():
            raise UdebenchError(f"model {spec.name!r}: no --weights and no shipped weights at {path}; {help}, set "
                                f"{spec.weights_env}, or export synth-trained weights to {path}")
        weights = str(path)
    net, _ = load_network(weights)
    spec = dataclasses.replace(spec, input_size=net.input_size)  # the checkpoint's own height × width
    return DepthModel(spec, net, mean=net.mean, std=net.std, forward=predict_depth, weights_path=weights)
