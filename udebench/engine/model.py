"""The mmengine BaseModel that runs any DepthModel (one small adapter, no subclass towers)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import torch
from mmengine.model import BaseModel

from udebench.engine.dataset import as_tensor
from udebench.engine.network_input import NetworkInput, resize_bilinear, scale_intrinsics
from udebench.evaluation.protocol import flip_pp
from udebench.model import DepthModel

#: outputs that are positive depths, so flip post-processing in disparity space may invert them.
_INVERTIBLE = ("metric_depth", "relative_depth")


class EvalModel(BaseModel):
    """Predicts a batch at the network resolution the protocol declares; one record per sample for
    :class:`DepthMetric`.

    The forward pass always sees ``batch_size`` images: a short batch (the last one, a resumed run's,
    a rank's share) is padded by repeating its last image. Kernels may pick another algorithm for
    another batch shape (a batch of one differs by ~1e-6 for ``ude_student`` on CPU), so this is what
    makes a sample's numbers independent of which samples share its batch: a resumed or distributed
    run equals a single uninterrupted one. A sample that could not be read, or whose prediction
    failed, becomes an error record; :class:`DepthMetric` decides whether to record it or raise.
    """

    def __init__(self, depth_model: DepthModel, *, device: str, flip_pp: bool = False, amp: bool = False,
                 on_error: str = "raise", batch_size: int = 1, network_input: NetworkInput | None = None,
                 flip_pp_space: str = "prediction") -> None:
        super().__init__()
        self.depth_model = depth_model
        self.module = depth_model.module  # registered so mmengine sees the parameters
        self._device = torch.device(device)
        self.flip_pp = flip_pp
        self.amp = amp
        self.on_error = on_error  # applied by DepthMetric, after every rank's rows are gathered
        self.batch_size = batch_size
        self.network_input = network_input or NetworkInput(size=depth_model.spec.input_size)
        self.pp_in_disparity = flip_pp_space == "disparity" and depth_model.spec.output in _INVERTIBLE

    def to(self, *args: Any, **kwargs: Any) -> EvalModel:  # the user's --device wins over mmengine's pick
        return super().to(self._device)

    def forward(self, images=None, depth=None, intrinsics=None, sample_ids=(), indices=(), errors=(),
                depth_size=None, mode: str = "predict") -> list[dict[str, Any]]:
        outputs = [{"index": i, "sample_id": s, "error": e, "pred": None} for i, s, e in errors]
        if images is None:
            return outputs
        images, intrinsics = as_tensor(images), as_tensor(intrinsics)
        try:
            if isinstance(images, torch.Tensor):
                preds = list(self._predict(images, intrinsics))
            else:  # samples of different sizes: each size on its own
                preds = self._predict_by_size(images, intrinsics)
        except Exception as exc:  # a plugin's bug or a bad output: an error record per sample, never a traceback
            detail = str(exc).splitlines()[0] if str(exc) else "no detail"
            message = f"model {self.depth_model.spec.name!r} failed: {type(exc).__name__}: {detail}"
            return outputs + [{"index": i, "sample_id": s, "error": message, "pred": None, "exception": exc}
                              for i, s in zip(indices, sample_ids, strict=True)]
        for index, sample_id, pred in zip(indices, sample_ids, preds, strict=True):
            outputs.append({"index": index, "sample_id": sample_id, "error": None, "pred": pred})
        return outputs

    def _predict_by_size(self, images: list[torch.Tensor], intrinsics: list[torch.Tensor]) -> list[torch.Tensor]:
        by_size: dict[tuple[int, ...], list[int]] = {}
        for i, image in enumerate(images):
            by_size.setdefault(tuple(image.shape), []).append(i)
        preds: list[Any] = [None] * len(images)
        for group in by_size.values():
            stacked = self._predict(torch.stack([images[i] for i in group]),
                                    torch.stack([intrinsics[i] for i in group]))
            for i, pred in zip(group, stacked, strict=True):
                preds[i] = pred
        return preds

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
        n = images.shape[0]
        if n < self.batch_size:  # the same forward shape for every batch (see the class docstring)
            images = torch.cat([images, images[-1:].expand(self.batch_size - n, *images.shape[1:])])
            if intrinsics is not None:
                intrinsics = torch.cat([intrinsics, intrinsics[-1:].expand(self.batch_size - n, 3, 3)])
        x, k = self.network_batch(images, intrinsics)
        autocast = torch.autocast(self._device.type) if self.amp else nullcontext()
        with autocast:
            pred = _checked(self.depth_model.predict(x, k, resize=False), x.shape[0])
            if self.flip_pp:
                mirrored = _checked(self.depth_model.predict(x.flip(-1), _mirror_intrinsics(k, x.shape[-1]),
                                                             resize=False), x.shape[0])
                if self.pp_in_disparity:  # Monodepth2 and md4all post-process disparities
                    pred = 1.0 / flip_pp(1.0 / pred, 1.0 / mirrored)
                else:
                    pred = flip_pp(pred, mirrored)
        return pred.float()[:n]


def _checked(pred: Any, n: int) -> torch.Tensor:
    """``pred`` as ``[n, h, w]``, or a ValueError saying what the model returned instead."""
    if not isinstance(pred, torch.Tensor):
        raise ValueError(f"predict returned {type(pred).__name__}, not a tensor")
    if pred.dim() == 4 and pred.shape[1] == 1:
        pred = pred[:, 0]
    if pred.dim() != 3 or pred.shape[0] != n or pred.shape[1] < 1 or pred.shape[2] < 1:
        raise ValueError(f"predict returned shape {tuple(pred.shape)} for {n} images; expected [{n}, h, w]")
    if pred.dtype == torch.bool or pred.is_complex():
        raise ValueError(f"predict returned {pred.dtype}; expected real depth or disparity")
    return pred


def _mirror_intrinsics(k: torch.Tensor | None, width: int) -> torch.Tensor | None:
    """The camera of the mirrored image: the principal point moves to width − c_x."""
    if k is None:
        return None
    k = k.clone()
    k[:, 0, 2] = width - k[:, 0, 2]
    return k
