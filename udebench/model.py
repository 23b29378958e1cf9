"""DepthModel: the one small adapter every model plugin returns (no inheritance towers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch is imported only when a model is actually built
    import torch

    from udebench.specs import ModelSpec


class DepthModel:
    """Wraps an ``nn.Module`` so the engine can call every model the same way.

    ``predict(images, intrinsics)`` takes RGB in [0, 1], ``[B, 3, H, W]``, and returns
    ``[B, h, w]`` in the kind ``spec.output`` declares (depth in metres, relative depth,
    affine-invariant disparity or depth). The engine resizes the result to the ground
    truth; the adapter only resizes the input to ``spec.input_size`` and normalises it.
    ``intrinsics`` describe ``images`` as passed. The evaluation engine brings images to the
    resolution the split's protocol declares itself and calls ``predict(..., resize=False)``.
    """

    def __init__(
        self,
        spec: ModelSpec,
        module: torch.nn.Module,
        *,
        mean: tuple[float, float, float] = (0.0, 0.0, 0.0),
        std: tuple[float, float, float] = (1.0, 1.0, 1.0),
        weights_sha256: str | None = None,
        forward: Any = None,
        weights_path: str | None = None,
    ) -> None:
        self.spec = spec
        self.module = module.eval()
        self.mean = mean
        self.std = std
        self.weights_sha256 = weights_sha256
        #: the weights file loaded when the caller gave none (a plugin's shipped default): its card is read
        self.weights_path = weights_path
        #: where the weights came from, in words (set by ``load_model`` from the model card); runs record it
        self.weights_origin: str | None = None
        self._forward = forward

    @property
    def device(self) -> torch.device:
        import torch

        for tensor in self.module.parameters():
            return tensor.device
        return torch.device("cpu")

    def to(self, device: str | torch.device) -> DepthModel:
        self.module.to(device)
        return self

    def preprocess(self, images: torch.Tensor, *, resize: bool = True) -> torch.Tensor:
        """Normalise, after resizing to ``spec.input_size`` unless ``resize`` is False (the caller chose the size)."""
        import torch.nn.functional as F

        x = images
        if resize and self.spec.input_size is not None and tuple(x.shape[-2:]) != tuple(self.spec.input_size):
            x = F.interpolate(x, size=self.spec.input_size, mode="bilinear", align_corners=False)
        mean = x.new_tensor(self.mean).view(1, 3, 1, 1)
        std = x.new_tensor(self.std).view(1, 3, 1, 1)
        return (x - mean) / std

    def predict(self, images: torch.Tensor, intrinsics: torch.Tensor | None = None, *,
                resize: bool = True) -> torch.Tensor:
        """Depth (or the declared kind) of ``images``; ``resize=False`` feeds them at their own size."""
        import torch

        with torch.inference_mode():
            x = self.preprocess(images.to(self.device, non_blocking=True), resize=resize)
            out = self._forward(self.module, x, intrinsics) if self._forward else self.module(x)
            if isinstance(out, dict):
                out = out["depth"] if "depth" in out else next(iter(out.values()))
            if out.dim() == 4:
                out = out[:, 0]
            return out.float()
