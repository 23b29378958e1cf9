"""What the student sees: the clean image, or (with probability ``p_translate``) one adverse condition.

The paper sets P = |C| / (|C| + 1) for |C| conditions and can be read two ways: the chance of
*staying clean* (then 1/(|C|+1) = 20 % of images are translated with 4 conditions) or the chance of
*translating* (80 %). ``p_translate`` names the one this code uses; :func:`paper_p` gives P.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch


def paper_p(conditions: Sequence[str]) -> float:
    """The paper's P = |C| / (|C| + 1); 0 when C is empty."""
    return len(conditions) / (len(conditions) + 1) if conditions else 0.0


def sample_conditions(batch_size: int, conditions: Sequence[str], p_translate: float,
                      generator: torch.Generator | None = None) -> list[str | None]:
    """One draw per image: a condition (uniformly) with probability ``p_translate``, else ``None`` (clean)."""
    u = torch.rand(batch_size, generator=generator)
    picks = torch.randint(max(len(conditions), 1), (batch_size,), generator=generator)
    return [conditions[int(picks[i])] if (conditions and u[i] < p_translate) else None for i in range(batch_size)]


def translate_mixed(translator: Any, images: torch.Tensor, choices: Sequence[str | None],
                    depth: torch.Tensor | None = None, generator: torch.Generator | None = None, *,
                    stored: dict[str, Any] | None = None, sample_ids: Sequence[str] | None = None) -> torch.Tensor:
    """``images`` ``[B, 3, H, W]`` in [0, 1] with image i translated to ``choices[i]`` (None = unchanged).

    Each image's translation seed is drawn from ``generator``, so a step is a function of (seed, iteration).
    With ``stored`` (condition → a reader from ``udebench.plugin.open_translations``) and the batch's
    ``sample_ids``, an image is read from what ``udebench translate`` stored (e.g. GDT, made once on a GPU);
    an image the set lacks is translated on the fly by ``translator``, or stays clean when there is none.
    """
    out = images.clone()
    seeds = torch.randint(0, 2**31 - 1, (len(choices),), generator=generator).tolist()
    todo = list(choices)
    if stored:
        if sample_ids is None:
            raise ValueError("stored translations need the batch's sample ids")
        for i, condition in enumerate(choices):
            image = stored[condition].get(sample_ids[i]) if condition in stored else None
            if image is not None:
                out[i] = torch.from_numpy(image).permute(2, 0, 1).to(out) / 255.0
                todo[i] = None
    if translator is None:
        return out
    for condition in sorted({c for c in todo if c is not None}):
        chosen = [i for i, c in enumerate(todo) if c == condition]
        index = torch.tensor(chosen, device=images.device)
        sub_depth = None if depth is None else depth[index]
        out[index] = translator.translate_batch(images[index], condition, depth=sub_depth,
                                                seeds=[seeds[i] for i in chosen]).to(out.dtype)
    return out
