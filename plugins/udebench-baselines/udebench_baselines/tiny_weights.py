"""Tiny, randomly initialised checkpoints in each model's real on-disk layout (``ModelSpec.test_weights``).

Users' files and these go through the same loading code; only the sizes differ.
"""

from __future__ import annotations

from pathlib import Path

#: a ResNet-18 at 1/8 width with a narrow decoder; 64×160 input (the tests' synth frames are 48×160).
TINY_MONODEPTH2 = {"num_layers": 18, "base_width": 8, "decoder_channels": (4, 4, 8, 8, 16), "height": 64,
                   "width": 160}


def write_monodepth2(folder: Path, *, seed: int = 0) -> Path:
    """``folder/monodepth2_tiny``: encoder.pth + depth.pth as the official trainer writes them."""
    from udebench_baselines.monodepth2_net import build_network
    from udebench_baselines.monodepth2_weights import save_official_folder

    return save_official_folder(build_network(seed=seed, **TINY_MONODEPTH2), Path(folder) / "monodepth2_tiny")
