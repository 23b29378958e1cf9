"""The translator contract: what ``TranslatorSpec.factory(seed=0, **options)`` must return.

A translator turns an image of one condition (usually a clear day) into ``condition`` (night,
rain, fog, snow, a KITTI-C severity, ...). It sees what it would see on real data: the RGB image
and, if it asks for one (``needs_depth``), a depth map predicted by a model, never ground truth
or a renderer's geometry. Two entry points, with one meaning:

* ``translator(image, condition, *, depth=None, seed=None) -> image``: ``image`` is ``uint8
  HxWx3`` RGB, the result too (same shape); ``depth`` is ``float32 HxW`` metres; ``seed`` fixes
  every random draw (None: the factory's ``seed``).
* ``translator.translate_batch(images, condition, *, depth=None, seeds=None) -> images``:
  ``images`` float ``[B, 3, H, W]`` in [0, 1] (any device), the result likewise; ``depth``
  ``[B, 1, H, W]``; ``seeds`` one int per image. Image ``i`` of the batch equals the single call
  with ``seeds[i]`` (up to uint8 rounding), so results never depend on how images are batched.

Attributes: ``name``, ``version`` (bump it when outputs change: translated-split caches are keyed
by it), ``options`` (the resolved options, also part of the cache key), ``conditions`` and
``needs_depth``. Subclass :class:`ImageTranslator` and write ``translate_image`` to get all of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np
    import torch


@runtime_checkable
class Translator(Protocol):
    """The interface every registered translator offers (see the module docstring)."""

    name: str
    version: str
    conditions: tuple[str, ...]
    needs_depth: bool

    def __call__(self, image: np.ndarray, condition: str, *, depth: np.ndarray | None = None,
                 seed: int | None = None) -> np.ndarray: ...

    def translate_batch(self, images: torch.Tensor, condition: str, *, depth: torch.Tensor | None = None,
                        seeds: Sequence[int] | None = None) -> torch.Tensor: ...


class ImageTranslator:
    """Base class: implement :meth:`translate_image` (one uint8 image, numpy); the batch path loops over it.

    Override :meth:`translate_batch` too when a batched tensor path is faster (keep the per-image
    seeding, so batch and single calls agree).
    """

    name: str = "translator"
    version: str = "1"
    conditions: tuple[str, ...] = ()
    needs_depth: bool = False

    def __init__(self, seed: int = 0, **options: Any) -> None:
        self.seed = int(seed)
        self.options: dict[str, Any] = dict(options)

    def translate_image(self, image: np.ndarray, condition: str, *, depth: np.ndarray | None,
                        seed: int) -> np.ndarray:
        raise NotImplementedError

    def check_condition(self, condition: str) -> str:
        condition = str(condition)
        if self.conditions and condition not in self.conditions:
            raise ValueError(f"translator {self.name}: condition {condition!r} not in {', '.join(self.conditions)}")
        return condition

    def __call__(self, image: np.ndarray, condition: str, *, depth: np.ndarray | None = None,
                 seed: int | None = None) -> np.ndarray:
        import numpy as np

        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"translator {self.name}: expected a uint8 HxWx3 image, got {image.dtype} {image.shape}")
        out = self.translate_image(image, self.check_condition(condition), depth=depth,
                                   seed=self.seed if seed is None else int(seed))
        if out.shape != image.shape or out.dtype != np.uint8:
            raise ValueError(f"translator {self.name} returned {out.dtype} {out.shape} for a uint8 {image.shape} image")
        return out

    def translate_batch(self, images: torch.Tensor, condition: str, *, depth: torch.Tensor | None = None,
                        seeds: Sequence[int] | None = None) -> torch.Tensor:
        import numpy as np
        import torch

        seeds = batch_seeds(seeds, images.shape[0], self.seed)
        out = []
        for i, seed in enumerate(seeds):
            image = (images[i].detach().float().clamp(0, 1) * 255.0).round().to(torch.uint8).permute(1, 2, 0)
            d = None if depth is None else depth[i, 0].detach().float().cpu().numpy()
            result = self(np.ascontiguousarray(image.cpu().numpy()), condition, depth=d, seed=seed)
            out.append(torch.from_numpy(result).permute(2, 0, 1))
        return (torch.stack(out).to(images.device).float() / 255.0).to(images.dtype)


def batch_seeds(seeds: Sequence[int] | None, n: int, default: int) -> list[int]:
    """``seeds`` as ``n`` ints (``default`` for each when None); a wrong length is a ValueError."""
    if seeds is None:
        return [int(default)] * n
    seeds = [int(s) for s in seeds]
    if len(seeds) != n:
        raise ValueError(f"translate_batch: {len(seeds)} seeds for {n} images")
    return seeds


def sample_seed(seed: int, sample_id: str) -> int:
    """The seed of one sample's translation: a function of (seed, sample id) only, stable across runs."""
    import zlib

    return zlib.crc32(f"{int(seed)}:{sample_id}".encode())


class _CallableTranslator(ImageTranslator):
    """A plain ``fn(image, condition, *, depth=None, seed=None)`` given the full contract."""

    def __init__(self, fn: Any, name: str, conditions: tuple[str, ...], seed: int = 0) -> None:
        super().__init__(seed=seed)
        self._fn = fn
        self.name = getattr(fn, "name", name)
        self.version = str(getattr(fn, "version", "1"))
        self.conditions = tuple(conditions)

    def translate_image(self, image: np.ndarray, condition: str, *, depth: np.ndarray | None,
                        seed: int) -> np.ndarray:
        return self._fn(image, condition, depth=depth, seed=seed)


def as_translator(obj: Any, *, name: str, conditions: tuple[str, ...] = (), seed: int = 0) -> Translator:
    """``obj`` if it already offers the contract, else ``obj`` (a per-image callable) wrapped so it does."""
    if callable(obj) and hasattr(obj, "translate_batch"):
        for attribute, default in (("name", name), ("version", "1"), ("conditions", tuple(conditions)),
                                   ("needs_depth", False), ("options", {})):
            if not hasattr(obj, attribute):
                setattr(obj, attribute, default)
        return obj
    if not callable(obj):
        raise TypeError(f"translator {name}: the factory returned {type(obj).__name__}, which is not callable")
    return _CallableTranslator(obj, name, conditions, seed=seed)
