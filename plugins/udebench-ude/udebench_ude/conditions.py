"""What the student sees: the clean image with probability P, else one adverse condition drawn uniformly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch


def default_p_clean(conditions: Sequence[str]) -> float:
    """The paper's P = |C| / (|C| + 1) for the clean image; 1 when C is empty (day only)."""
    return len(conditions) / (len(conditions) + 1) if conditions else 1.0


def sample_conditions(batch_size: int, conditions: Sequence[str], p_clean: float,
                      generator: torch.Generator | None = None) -> list[str | None]:
    """One draw per image: ``None`` (clean) with probability ``p_clean``, else a condition, uniformly."""
    u = torch.rand(batch_size, generator=generator)
    picks = torch.randint(max(len(conditions), 1), (batch_size,), generator=generator)
    return [None if (u[i] < p_clean or not conditions) else conditions[int(picks[i])] for i in range(batch_size)]


def translate_mixed(translator: Any, images: torch.Tensor, choices: Sequence[str | None],
                    depth: torch.Tensor | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """``images`` ``[B, 3, H, W]`` in [0, 1] with image i translated to ``choices[i]`` (None = unchanged)."""
    out = images.clone()
    seeds = torch.randint(0, 2**31 - 1, (len(choices),), generator=generator).tolist()
    for condition in sorted({c for c in choices if c is not None}):
        chosen = [i for i, c in enumerate(choices) if c == condition]
        index = torch.tensor(chosen, device=images.device)
        sub_depth = None if depth is None else depth[index]
        out[index] = translator.translate_batch(images[index], condition, depth=sub_depth,
                                                seeds=[seeds[i] for i in chosen]).to(out.dtype)
    return out
