"""Each KITTI-C corruption as a translator ``corrupt-<name>`` whose conditions are the severities "1".."5"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from udebench.data.kitti_c.corruptions import CORRUPTIONS, SEVERITIES, corrupt

CONDITIONS: tuple[str, ...] = tuple(str(s) for s in SEVERITIES)


def corruption_translator(name: str, seed: int = 0) -> Callable[..., np.ndarray]:
    """``translator(image, condition, *, depth=None, seed=None)``: ``image`` corrupted at severity ``condition``.

    ``seed`` (per call, e.g. derived from the sample id) fixes the random draws; without it the
    factory's ``seed`` does. ``depth`` is accepted for the translator protocol and not used.
    """
    if name not in CORRUPTIONS:
        raise ValueError(f"unknown corruption {name!r}; choose one of {', '.join(CORRUPTIONS)}")
    base_seed = int(seed)

    def translator(image: np.ndarray, condition: Any, *, depth: np.ndarray | None = None,
                   seed: int | None = None) -> np.ndarray:
        if str(condition) not in CONDITIONS:
            raise ValueError(f"translator corrupt-{name}: condition must be a severity 1-5, not {condition!r}")
        return corrupt(image, name, int(condition), seed=base_seed if seed is None else int(seed))

    translator.name = f"corrupt-{name}"  # type: ignore[attr-defined]
    return translator
