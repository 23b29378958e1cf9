"""The mmengine BaseModel that runs any DepthModel (one small adapter, no subclass towers)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import torch
from mmengine.model import BaseModel

from udebench.errors import CorruptSampleError
from udebench.evaluation.protocol import flip_pp
from udebench.model import DepthModel


class EvalModel(BaseModel):
    """Predicts a batch; returns one record per sample for :class:`DepthMetric`."""

    def __init__(self, depth_model: DepthModel, *, device: str, flip_pp: bool = False, amp: bool = False,
                 on_error: str = "raise") -> None:
        super().__init__()
        self.depth_model = depth_model
        self.module = depth_model.module  # registered so mmengine sees the parameters
        self._device = torch.device(device)
        self.flip_pp = flip_pp
        self.amp = amp
        self.on_error = on_error

    def to(self, *args: Any, **kwargs: Any) -> EvalModel:  # the user's --device wins over mmengine's pick
        return super().to(self._device)

    def forward(self, images=None, depth=None, intrinsics=None, sample_ids=(), indices=(), errors=(),
                mode: str = "predict") -> list[dict[str, Any]]:
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

    def _predict(self, images: torch.Tensor, intrinsics: torch.Tensor | None) -> torch.Tensor:
        x = images.to(self._device, non_blocking=True).float().div_(255.0)
        k = intrinsics.to(self._device) if intrinsics is not None else None
        autocast = torch.autocast(self._device.type) if self.amp else nullcontext()
        with autocast:
            pred = self.depth_model.predict(x, k)
            if self.flip_pp:
                pred = flip_pp(pred, self.depth_model.predict(x.flip(-1), _mirror_intrinsics(k, x.shape[-1])))
        return pred.float()


def _mirror_intrinsics(k: torch.Tensor | None, width: int) -> torch.Tensor | None:
    """The camera of the mirrored image: the principal point moves to width − c_x."""
    if k is None:
        return None
    k = k.clone()
    k[:, 0, 2] = width - k[:, 0, 2]
    return k
