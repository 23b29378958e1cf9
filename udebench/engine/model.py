"""The mmengine BaseModel that runs any DepthModel (one small adapter, no subclass towers)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import torch
from mmengine.model import BaseModel

from udebench.engine.network_input import NetworkInput, resize_bilinear, scale_intrinsics
from udebench.errors import CorruptSampleError
from udebench.evaluation.protocol import flip_pp
from udebench.model import DepthModel

#: outputs that are positive depths, so flip post-processing in disparity space may invert them.
_INVERTIBLE = ("metric_depth", "relative_depth")


class EvalModel(BaseModel):
    """Predicts a batch at the network resolution the protocol declares; returns one record per sample for
    :class:`DepthMetric`."""

    def __init__(self, depth_model: DepthModel, *, device: str, flip_pp: bool = False, amp: bool = False,
                 on_error: str = "raise", network_input: NetworkInput | None = None,
                 flip_pp_space: str = "prediction") -> None:
        super().__init__()
        self.depth_model = depth_model
        self.module = depth_model.module  # registered so mmengine sees the parameters
        self._device = torch.device(device)
        self.flip_pp = flip_pp
        self.amp = amp
        self.on_error = on_error
        self.network_input = network_input or NetworkInput(size=depth_model.spec.input_size)
        self.pp_in_disparity = flip_pp_space == "disparity" and depth_model.spec.output in _INVERTIBLE

    def to(self, *args: Any, **kwargs: Any) -> EvalModel:  # the user's --device wins over mmengine's pick
        return super().to(self._device)

    def forward(self, images=None, depth=None, intrinsics=None, sample_ids=(), indices=(), errors=(),
                depth_size=None, mode: str = "predict") -> list[dict[str, Any]]:
        if errors and self.on_error == "raise":
            _, sample_id, message = errors[0]
            raise CorruptSampleError(f"sample {sample_id}: {message} (use --on-error skip to record it and go on)")
        outputs = [{"index": i, "sample_id": s, "error": e, "pred": None} for i, s, e in errors]
        if images is None:
            return outputs
        if isinstance(images, torch.Tensor):
            preds = list(self._predict(images, intrinsics))
        else:  # samples of different sizes: one at a time
            preds = [self._predict(img[None], k[None])[0] for img, k in zip(images, intrinsics, strict=True)]
        for index, sample_id, pred in zip(indices, sample_ids, preds, strict=True):
            outputs.append({"index": index, "sample_id": sample_id, "error": None, "pred": pred})
        return outputs

    def network_batch(self, images: torch.Tensor, intrinsics: torch.Tensor | None
                      ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """uint8 ``[B,3,H,W]`` → float [0, 1] at the protocol's network resolution, with its intrinsics."""
        x = images.to(self._device, non_blocking=True).float().div_(255.0)
        k = intrinsics.to(self._device) if intrinsics is not None else None
        size = self.network_input.device_size(tuple(x.shape[-2:]))
        if size is not None:
            k = scale_intrinsics(k, tuple(x.shape[-2:]), size) if k is not None else None
            x = resize_bilinear(x, size)
        return x, k

    def _predict(self, images: torch.Tensor, intrinsics: torch.Tensor | None) -> torch.Tensor:
        x, k = self.network_batch(images, intrinsics)
        autocast = torch.autocast(self._device.type) if self.amp else nullcontext()
        with autocast:
            pred = self.depth_model.predict(x, k, resize=False)
            if self.flip_pp:
                mirrored = self.depth_model.predict(x.flip(-1), _mirror_intrinsics(k, x.shape[-1]), resize=False)
                if self.pp_in_disparity:  # Monodepth2 and md4all post-process disparities
                    pred = 1.0 / flip_pp(1.0 / pred, 1.0 / mirrored)
                else:
                    pred = flip_pp(pred, mirrored)
        return pred.float()


def _mirror_intrinsics(k: torch.Tensor | None, width: int) -> torch.Tensor | None:
    """The camera of the mirrored image: the principal point moves to width − c_x."""
    if k is None:
        return None
    k = k.clone()
    k[:, 0, 2] = width - k[:, 0, 2]
    return k
