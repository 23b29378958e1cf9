"""Shared helpers for the UDE tests: tiny configs and a plane-world sequence split."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("udebench_ude")

#: the smallest UDE net the DPT neck allows: 3 encoder layers, hidden 32.
TINY_ARCH = dict(hidden_size=32, num_hidden_layers=3, num_attention_heads=2, neck_hidden_sizes=[16, 16, 32, 32],
                 fusion_hidden_size=16, head_hidden_size=8, image_size=56, input_size=(28, 56))


def plane_intrinsics(height: int, width: int) -> np.ndarray:
    return np.array([[0.58 * width, 0, 0.5 * width], [0, 1.92 * height, 0.5 * height], [0, 0, 1]], dtype=np.float64)


def texture(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A smooth colour texture on world coordinates (metres): warping it resamples it exactly enough."""
    r = 0.5 + 0.4 * np.sin(3.1 * x) * np.cos(2.3 * y)
    g = 0.5 + 0.4 * np.sin(1.7 * x + 0.5) * np.sin(3.7 * y)
    b = 0.5 + 0.4 * np.cos(2.9 * x - 1.3 * y)
    return np.stack([r, g, b], axis=-1)


def render_plane(depth: float, cam_x: float, height: int, width: int) -> np.ndarray:
    """A fronto-parallel textured plane at ``depth`` seen by a camera at x = ``cam_x`` (uint8 HxWx3)."""
    K = plane_intrinsics(height, width)
    u, v = np.meshgrid(np.arange(width), np.arange(height))
    x = (u - K[0, 2]) * depth / K[0, 0] + cam_x
    y = (v - K[1, 2]) * depth / K[1, 1]
    return (texture(x, y) * 255).round().astype(np.uint8)


class PlaneSequenceSplit:
    """``SynthSequenceSplit``'s contract over a plane world: target at x = 0.2·i, neighbours at ±``step`` metres."""

    def __init__(self, n: int = 4, height: int = 28, width: int = 56, depth: float = 4.0, step: float = 0.1) -> None:
        self.n, self.height, self.width, self.depth, self.step = n, height, width, depth, step
        self.sample_ids = [f"plane-{i}" for i in range(n)]

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict:
        h, w, d = self.height, self.width, self.depth
        cam_x = 0.2 * i
        context = []
        for offset in (-self.step, self.step):
            T = np.eye(4)
            T[0, 3] = -offset  # a target point, seen from a camera moved by +offset along x
            context.append({"image": render_plane(d, cam_x + offset, h, w), "T_target_to_context": T,
                            "pose": _pose(cam_x + offset)})
        return {"sample_id": self.sample_ids[i], "image": render_plane(d, cam_x, h, w),
                "depth": np.full((h, w), d, np.float32), "intrinsics": plane_intrinsics(h, w), "condition": "day",
                "pose": _pose(cam_x), "context": context}


def _pose(x: float) -> np.ndarray:
    pose = np.eye(4)
    pose[0, 3] = x
    return pose


def tiny_config(tmp_path, *, trainer: str = "rgd", teacher: str | None = None, **sections) -> dict:
    """An rgd/supervised config dict for the tiny net (28×56, batch 2)."""
    cfg = {
        "trainer": trainer, "seed": 0,
        "model": dict(size="tiny", **TINY_ARCH),
        "data": dict(n_sequences=4, frames_per_sequence=3, height=28, width=56, num_workers=0),
        "schedule": dict(max_iters=4, batch_size=2, lr=1e-3, warmup_iters=1, checkpoint_interval=2, log_interval=1,
                         amp=False),
        "teacher": dict(weights=teacher),
        "config_path": str(tmp_path / "config.py"),
    }
    for key, value in sections.items():
        cfg[key] = {**cfg.get(key, {}), **value} if isinstance(value, dict) else value
    return cfg
