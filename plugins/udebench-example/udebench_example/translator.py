"""``gamma``: the example translator, a tone curve and seeded sensor noise (conditions ``dark`` and ``bright``).

``synth-day@gamma-dark`` is synth-day with every image passed through it; ground truth is unchanged.
Subclassing :class:`udebench.plugin.ImageTranslator` gives the whole translator contract (single image
and batch, per-image seeds) from one method, :meth:`GammaTranslator.translate_image`.
"""

from __future__ import annotations

import numpy as np

from udebench.plugin import ImageTranslator

#: condition -> gamma of the tone curve out = in ** gamma (in, out in [0, 1]): > 1 darkens, < 1 brightens.
GAMMAS: dict[str, float] = {"dark": 2.0, "bright": 0.5}


class GammaTranslator(ImageTranslator):
    """``out = 255 · (in/255) ** gamma + noise``, noise Gaussian with ``noise`` grey levels, drawn from the seed."""

    name = "gamma"
    version = "1"
    conditions = tuple(GAMMAS)

    def __init__(self, seed: int = 0, noise: float = 2.0) -> None:
        if noise < 0:
            raise ValueError(f"noise must be ≥ 0 grey levels, got {noise}")
        super().__init__(seed=seed, noise=noise)
        self.noise = float(noise)

    def translate_image(self, image: np.ndarray, condition: str, *, depth: np.ndarray | None,
                        seed: int) -> np.ndarray:
        curved = 255.0 * (image / 255.0) ** GAMMAS[condition]
        if self.noise:
            curved = curved + np.random.default_rng(seed).normal(0.0, self.noise, image.shape)
        return np.clip(curved, 0, 255).round().astype(np.uint8)
