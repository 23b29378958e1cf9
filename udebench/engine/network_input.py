"""The resolution images reach the network at, as the split's protocol declares it, and the resizing that gets
them there (docs/protocols.md).

* ``lanczos``: PIL's Lanczos filter on the 8-bit image, in the data loader's workers, as Monodepth2's and
  md4all's loaders resize PIL images before ``ToTensor``;
* ``bilinear``: ``interpolate(align_corners=False)`` on the float batch on the device, as
  :meth:`udebench.model.DepthModel.preprocess` did before protocols existed (synth keeps it).

Intrinsics follow the image: ``K[0] *= w'/w``, ``K[1] *= h'/h`` (md4all's ``Resize``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import torch

    from udebench.evaluation.protocol_spec import Protocol
    from udebench.specs import ModelSpec


def nearest_multiple(size: tuple[int, int], multiple: int) -> tuple[int, int]:
    """Each side rounded to the nearest multiple of ``multiple`` (at least one): 320x576 → 322x574 for 14."""
    return tuple(max(multiple, int(side / multiple + 0.5) * multiple) for side in size)  # type: ignore[return-value]


@dataclass(frozen=True)
class NetworkInput:
    """Where images are resized before the network: ``size`` (None: as they come), the filter, the model's multiple."""

    size: tuple[int, int] | None
    resample: str = "bilinear"
    multiple: int = 1

    @classmethod
    def of(cls, protocol: Protocol, spec: ModelSpec) -> NetworkInput:
        multiple = int(getattr(spec, "input_multiple", 1) or 1)
        size = protocol.network_size(spec.input_size)
        if size is not None and protocol.input_size != "model":
            size = nearest_multiple(size, multiple)
        return cls(size=size, resample=protocol.input_resample, multiple=multiple)

    @property
    def in_loader(self) -> bool:
        """Resized image by image in the data loader (Lanczos on 8-bit images)."""
        return self.size is not None and self.resample == "lanczos"

    def device_size(self, image_size: tuple[int, int]) -> tuple[int, int] | None:
        """The size a batch of ``image_size`` images is resized to on the device, or None to leave it."""
        if self.size is not None:
            target = self.size if self.resample == "bilinear" else image_size  # lanczos: done in the loader
        else:
            target = nearest_multiple(image_size, self.multiple) if self.multiple > 1 else image_size
        return None if tuple(target) == tuple(image_size) else tuple(target)


def resize_lanczos(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``uint8 HxWx3`` → ``uint8 hxwx3`` with PIL's Lanczos (``Image.LANCZOS``, formerly ``ANTIALIAS``)."""
    import numpy as np
    from PIL import Image

    height, width = size
    if image.shape[:2] == (height, width):
        return image
    return np.asarray(Image.fromarray(image).resize((width, height), Image.LANCZOS))


def resize_bilinear(images: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Float ``[B,3,H,W]`` → ``[B,3,h,w]``, bilinear, ``align_corners=False``, no antialias."""
    from torch.nn.functional import interpolate

    return interpolate(images, size=tuple(size), mode="bilinear", align_corners=False)


def scale_intrinsics(k: Any, from_size: tuple[int, int], to_size: tuple[int, int]) -> Any:
    """``K`` (``[..., 3, 3]``, numpy or torch) of an image of ``from_size`` resized to ``to_size`` (a copy)."""
    k = k.clone() if hasattr(k, "clone") else k.copy()
    k[..., 0, :] *= to_size[1] / from_size[1]
    k[..., 1, :] *= to_size[0] / from_size[0]
    return k
