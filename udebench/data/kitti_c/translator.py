"""Each KITTI-C corruption as a translator ``corrupt-<name>`` whose conditions are the severities "1".."5"."""

from __future__ import annotations

from typing import Any

from udebench.data.kitti_c.corruptions import CORRUPTIONS, SEVERITIES
from udebench.translate.contract import ImageTranslator

CONDITIONS: tuple[str, ...] = tuple(str(s) for s in SEVERITIES)


class CorruptionTranslator(ImageTranslator):
    """``translator(image, severity, *, seed=None)``: ``image`` corrupted at severity ``"1"``..``"5"``.

    ``seed`` (per call, e.g. derived from the sample id) fixes the random draws; without it the
    factory's ``seed`` does. The batch path (``translate_batch``) loops over the images.
    """

    conditions = CONDITIONS

    def __init__(self, corruption: str, seed: int = 0) -> None:
        if corruption not in CORRUPTIONS:
            raise ValueError(f"unknown corruption {corruption!r}; choose one of {', '.join(CORRUPTIONS)}")
        super().__init__(seed=seed)
        self.corruption = corruption
        self.name = f"corrupt-{corruption}"

    def translate_image(self, image: Any, condition: str, *, depth: Any, seed: int) -> Any:
        from udebench.data.kitti_c.corruptions import corrupt

        return corrupt(image, self.corruption, int(condition), seed=seed)


def corruption_translator(name: str, seed: int = 0) -> CorruptionTranslator:
    """The translator of corruption ``name`` (the factory ``corrupt-<name>`` registers)."""
    return CorruptionTranslator(name, seed=seed)
