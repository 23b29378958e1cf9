"""Sparse ground truth as points, and the prediction sampled at them (DESIGN.md §4, docs/performance.md).

LiDAR ground truth covers a few per cent of the pixels. Scoring it as a dense map touches every
pixel several times (mask, gather, upsample); keeping it as points ``(row, col, depth)`` makes the
work proportional to the points. The prediction is then read only at the points: bilinear sampling
at a pixel centre with the coordinates ``torch.nn.functional.interpolate`` uses (computed the same
way, in float32) equals upsample-then-index, under either ``align_corners`` convention.

No torch import at module import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import torch

__all__ = ["DepthPoints", "points_of", "sample_at_points", "sparse_points"]


@dataclass(frozen=True)
class DepthPoints:
    """The ground-truth points of a batch, image after image, each image's in row-major order.

    ``image``/``rows``/``cols`` (int32 ``[N]``) say which image and pixel of ``size`` ``(H, W)`` each point
    is; ``depth`` (float ``[N]``) its depth; ``lengths[b]`` how many points image ``b`` has. Pixels without
    a point have no ground truth (as 0 in a dense map).
    """

    image: torch.Tensor
    rows: torch.Tensor
    cols: torch.Tensor
    depth: torch.Tensor
    lengths: list[int]
    size: tuple[int, int]

    @property
    def batch(self) -> int:
        return len(self.lengths)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(B, H, W)`` of the dense map these points stand for."""
        return (self.batch, *self.size)

    @property
    def device(self) -> torch.device:
        return self.depth.device

    def to(self, device: Any) -> DepthPoints:
        return DepthPoints(self.image.to(device), self.rows.to(device), self.cols.to(device), self.depth.to(device),
                           self.lengths, self.size)

    def where(self, keep: torch.Tensor) -> DepthPoints:
        """The points where ``keep`` (bool ``[N]``) holds; the same object when it holds everywhere."""
        if bool(keep.all()):
            return self
        counts = [int(run.sum()) for run in keep.split(self.lengths)]
        return DepthPoints(self.image[keep], self.rows[keep], self.cols[keep], self.depth[keep], counts, self.size)

    def flat_index(self) -> torch.Tensor:
        """int64 ``[N]``: each point's index into the flattened ``[B, H, W]`` map."""
        height, width = self.size
        return (self.image.long() * height + self.rows.long()) * width + self.cols.long()

    def dense(self) -> torch.Tensor:
        """The ``[B, H, W]`` map (0 where there is no point)."""
        import torch

        out = torch.zeros(self.batch * self.size[0] * self.size[1], dtype=self.depth.dtype, device=self.device)
        out[self.flat_index()] = self.depth
        return out.view(self.shape)

    @classmethod
    def from_dense(cls, gt: torch.Tensor, keep: torch.Tensor | None = None) -> DepthPoints:
        """The points of ``gt`` ``[B, H, W]`` where ``keep`` holds (default: a positive, finite depth)."""
        import torch

        if keep is None:
            keep = (gt > 0) & gt.isfinite()
        batch, height, width = gt.shape
        flat = keep.reshape(-1).nonzero().squeeze(1)  # sorted: image after image, row-major
        ends = torch.searchsorted(flat, torch.arange(1, batch + 1, device=flat.device) * (height * width))
        lengths = ends.diff(prepend=ends.new_zeros(1)).tolist()
        pixel = flat % (height * width)
        index = _index_dtype(batch * height * width)
        return cls((flat // (height * width)).to(index), (pixel // width).to(index), (pixel % width).to(index),
                   gt.reshape(-1).index_select(0, flat), lengths, (height, width))

    @classmethod
    def stack(cls, per_image: list[tuple[Any, Any, Any]], size: tuple[int, int]) -> DepthPoints:
        """One batch from ``(rows, cols, depth)`` arrays per image (as :func:`sparse_points` gives them)."""
        import torch

        lengths = [len(item[2]) for item in per_image]
        index = _index_dtype(len(per_image) * size[0] * size[1])

        def cat(i: int, dtype: torch.dtype) -> torch.Tensor:
            parts = [torch.as_tensor(item[i]) for item in per_image]
            return torch.cat(parts).to(dtype) if parts else torch.zeros(0, dtype=dtype)

        image = torch.repeat_interleave(torch.arange(len(per_image), dtype=index), torch.tensor(lengths))
        return cls(image, cat(0, index), cat(1, index), cat(2, torch.float32), lengths, (int(size[0]), int(size[1])))


def _index_dtype(n: int) -> Any:
    """int32 indices (half the memory traffic of int64) while they fit."""
    import torch

    return torch.int32 if n < 2**31 else torch.int64


def sparse_points(depth: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(rows, cols, depth)`` of a dense ``H×W`` map's positive finite pixels, when at most a fifth are.

    None for a denser map: three numbers per point then cost more than the map.
    """
    import numpy as np

    index = np.flatnonzero(depth > 0)  # NaN compares False; an infinite depth is dropped below
    if 5 * index.size > depth.size:
        return None
    values = depth.reshape(-1)[index].astype(np.float32)
    finite = np.isfinite(values)
    if not finite.all():
        index, values = index[finite], values[finite]
    rows, cols = np.divmod(index, depth.shape[1])
    return rows, cols, values


def points_of(gt: Any) -> DepthPoints:
    """``gt`` as points: a :class:`DepthPoints` as it is, a dense ``[B,H,W]`` (or ``[B,1,H,W]``) map converted."""
    if isinstance(gt, DepthPoints):
        return gt
    from udebench.evaluation.metrics import as_bhw

    return DepthPoints.from_dense(as_bhw(gt, "gt"))


def _axis(n_out: int, n_in: int, align_corners: bool, device: Any) -> tuple[torch.Tensor, ...]:
    """Per output index: the two input indices and their weights, as ATen's bilinear kernel computes them.

    ``src = scale * (i + 0.5) - 0.5`` clamped at 0 (``align_corners=False``, ``scale = n_in / n_out``) or
    ``src = scale * i`` (``align_corners=True``, ``scale = (n_in - 1) / (n_out - 1)``): the scale in float32,
    ``src`` rounded to float32 once (exact in float64, as the fused multiply-add ATen compiles to).
    """
    import torch

    if align_corners:
        scale = float(torch.tensor((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0, dtype=torch.float32))
        offset = 0.0
    else:
        scale = float(torch.tensor(n_in / n_out, dtype=torch.float32))
        offset = 0.5
    index = torch.arange(n_out, dtype=torch.float64, device=device)
    src = ((index + offset) * scale - offset).to(torch.float32).clamp(min=0.0)
    low = src.long().clamp(max=n_in - 1)
    high = torch.where(low < n_in - 1, low + 1, low)
    w_high = (src - low).clamp(0.0, 1.0)
    return low, high, 1.0 - w_high, w_high


def _nearest_axis(n_out: int, n_in: int, device: Any) -> torch.Tensor:
    """ATen's ``nearest`` source index: ``floor(i * n_in / n_out)`` in float32, at most ``n_in - 1``."""
    import torch

    scale = torch.tensor(n_in / n_out, dtype=torch.float32).to(device)
    return (torch.arange(n_out, dtype=torch.float32, device=device) * scale).long().clamp(max=n_in - 1)


def sample_at_points(pred: torch.Tensor, points: DepthPoints, *, mode: str = "bilinear",
                     align_corners: bool = False) -> torch.Tensor:
    """``interpolate(pred, points.size, mode, align_corners)`` read at the points, without building it -> ``[N]``.

    ``pred`` is ``[B, h, w]`` (float). A prediction already of the points' size is read as it is. The
    prediction gets a replicated last row and column, so the four neighbours of a point are at fixed
    offsets from the first (at the border the extra neighbour has the same value, as ATen's clamped index).
    """
    import torch

    batch, height, width = pred.shape
    out_h, out_w = points.size
    if (height, width) == (out_h, out_w):
        return pred.reshape(-1).index_select(0, points.flat_index())
    device = pred.device
    if mode == "nearest":
        y = _nearest_axis(out_h, height, device).index_select(0, points.rows)
        x = _nearest_axis(out_w, width, device).index_select(0, points.cols)
        return pred.reshape(-1).index_select(0, (points.image.long() * height + y) * width + x)
    if mode != "bilinear":
        raise ValueError(f"upsample mode {mode!r}: choose bilinear or nearest")
    padded = torch.nn.functional.pad(pred[:, None], (0, 1, 0, 1), mode="replicate")[:, 0].reshape(-1)
    stride = width + 1
    index = _index_dtype(padded.numel() + stride + 1)
    y0, _, _, wy = _axis(out_h, height, align_corners, device)
    x0, _, _, wx = _axis(out_w, width, align_corners, device)
    # one table row per (image, GT row): that row's first neighbour offset and weight, so a point needs 2 lookups
    row_start = (torch.arange(batch, device=device)[:, None] * ((height + 1) * stride) + (y0 * stride)[None, :])
    image_row = points.image.to(index) * out_h + points.rows.to(index)
    first = row_start.reshape(-1).to(index).index_select(0, image_row) + x0.to(index).index_select(0, points.cols)
    weight_y = wy.to(pred.dtype).repeat(batch).index_select(0, image_row)
    weight_x = wx.to(pred.dtype).index_select(0, points.cols)
    below = first + stride
    top = torch.lerp(padded.index_select(0, first), padded.index_select(0, first + 1), weight_x)
    bottom = torch.lerp(padded.index_select(0, below), padded.index_select(0, below + 1), weight_x)
    return torch.lerp(top, bottom, weight_y)
