"""Per-image alignment of a prediction to the ground truth, fitted on valid pixels (DESIGN.md §4).

Methods (:data:`ALIGNMENTS`), each fitted per image on the pixels where ``valid`` holds and the
prediction is finite, batched over images with closed-form masked sums (no loop over pixels):

* ``none``: the prediction as it is (metric depth).
* ``median``: ``pred * median(gt) / median(pred)``, Monodepth2's per-image median scaling. Which
  median is the protocol's: ``numpy`` (the mean of the two middle values for an even count, as
  Monodepth2's ``np.median``) or ``torch`` (the lower middle value, as md4all's ``torch.median``).
* ``lstsq_depth``: scale ``s`` and shift ``t`` minimising ``sum((s * pred + t - gt)^2)``; gives
  ``s * pred + t`` (affine-invariant depth, e.g. Marigold).
* ``lstsq_disparity``: ``pred`` is an affine-invariant disparity (MiDaS, DPT, Depth Anything): ``s``,
  ``t`` minimise ``sum((s * pred + t - 1/gt)^2)``; the aligned disparity is clamped to
  ``[1/max_depth, 1/min_depth]`` (so it is never <= 0) and inverted. Unlike Marigold's evaluation,
  pixels with ``pred <= 0`` take part in the fit: with a free shift their sign means nothing.

Every result is then clamped to ``[min_depth, max_depth]``.

Degenerate images (no valid finite pixel; fewer than two, or a constant prediction, for the least
squares fits; ``median(pred) <= 0`` for ``median``) are not aligned: they get scale 1 and shift 0,
i.e. the clamped unaligned prediction (for ``lstsq_disparity``: the prediction read as a disparity,
clamped and inverted), never NaN. :func:`fit_alignment` says which images those were
(``AlignmentFit.ok``), so the caller can see it.

No torch import at module import time (see :mod:`udebench.evaluation.metrics`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from udebench.evaluation.metrics import ValidPixels, as_bhw

if TYPE_CHECKING:
    import torch

__all__ = ["ALIGNMENTS", "MEDIANS", "AlignmentFit", "align", "align_values", "apply_alignment", "fit_alignment",
           "fit_pixels", "per_image_median"]

ALIGNMENTS: tuple[str, ...] = ("none", "median", "lstsq_depth", "lstsq_disparity")
#: ``numpy``: mean of the two middle values for an even count (``np.median``); ``torch``: the lower middle value.
MEDIANS: tuple[str, ...] = ("numpy", "torch")

#: a prediction whose standard deviation is below this fraction of its mean is taken as constant.
_CONSTANT_RTOL = 1e-9


@dataclass(frozen=True)
class AlignmentFit:
    """Per-image ``scale``, ``shift`` (float64 ``[B]``) and ``ok`` (bool ``[B]``) of one method.

    ``aligned = scale * pred + shift`` (in disparity space for ``lstsq_disparity``). Where ``ok`` is
    False the fit was degenerate and ``scale``/``shift`` are 1/0, i.e. no alignment.
    """

    method: str
    scale: torch.Tensor
    shift: torch.Tensor
    ok: torch.Tensor


def _check_method(method: str) -> None:
    if method not in ALIGNMENTS:
        raise ValueError(f"unknown alignment {method!r}; choose one of: {', '.join(ALIGNMENTS)}")


def _check_caps(min_depth: float, max_depth: float) -> None:
    if not 0 <= min_depth < max_depth:
        raise ValueError(f"need 0 <= min_depth < max_depth, got min_depth={min_depth}, max_depth={max_depth}")


def _float(pred: torch.Tensor) -> torch.Tensor:
    import torch

    return pred.to(torch.promote_types(pred.dtype, torch.float32))


def per_image_median(pixels: ValidPixels, values: torch.Tensor, convention: str = "numpy") -> torch.Tensor:
    """The median of ``values`` (1-D, laid out as ``pixels``) per image -> float64 ``[B]``; NaN without pixels.

    ``convention``: ``numpy`` (the mean of the two middle values for an even count, ``np.median``) or
    ``torch`` (the lower middle value, ``torch.median``).
    """
    import torch

    if convention not in MEDIANS:
        raise ValueError(f"median convention {convention!r}: choose one of {', '.join(MEDIANS)}")
    if not pixels.lengths:
        return pixels.count.new_zeros(0)
    return torch.tensor([_median(run, convention) for run in values.split(pixels.lengths)], dtype=torch.float64,
                        device=values.device)


def _median(run: torch.Tensor, convention: str) -> float:
    """One linear-time selection (numpy's introselect on CPU: faster than ``torch.median`` there)."""
    n = run.numel()
    if n == 0:
        return math.nan
    lower_rank = (n - 1) // 2  # 0-based rank of the lower middle value
    upper_rank = n // 2
    if run.device.type == "cpu" and not run.requires_grad:
        import numpy as np

        selected = np.partition(run.numpy(), lower_rank)
        lower = float(selected[lower_rank])
        # the upper middle is the smallest value after the lower one: a min over half, cheaper than a 2nd selection
        upper = lower if upper_rank == lower_rank or convention == "torch" else float(selected[upper_rank:].min())
    else:
        lower = float(run.kthvalue(lower_rank + 1).values)
        upper = float(run.kthvalue(upper_rank + 1).values) if upper_rank != lower_rank else lower
    return lower if convention == "torch" else (lower + upper) / 2


def _lstsq(pixels: ValidPixels, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-image ``s, t`` minimising ``sum((s x + t - y)^2)`` from centred sums.

    Per-pixel terms stay in ``x``'s dtype and every sum accumulates in float64. The centres are the
    means rounded to that dtype; ``n * offset^2`` terms remove the rounding exactly, so the fit is as
    accurate as the data.
    """
    import torch

    n = pixels.count
    lengths = n.long()
    mean_x = pixels.per_image_sum(x) / n
    mean_y = pixels.per_image_sum(y) / n
    centre_x = mean_x.nan_to_num(0.0).to(x.dtype)
    centre_y = mean_y.nan_to_num(0.0).to(y.dtype)
    dx = x - centre_x.repeat_interleave(lengths)
    dy = y - centre_y.repeat_interleave(lengths)
    offset_x = mean_x - centre_x.to(torch.float64)
    offset_y = mean_y - centre_y.to(torch.float64)
    sxx = pixels.per_image_sum(dx * dx) - n * offset_x * offset_x
    sxy = pixels.per_image_sum(dx * dy) - n * offset_x * offset_y
    scale = sxy / sxx
    shift = mean_y - scale * mean_x
    ok = (n >= 2) & (sxx > 0) & (sxx > n * (_CONSTANT_RTOL * mean_x).square())
    ok &= scale.isfinite() & shift.isfinite()
    return scale, shift, ok


def fit_alignment(pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor, method: str, *,
                  median: str = "numpy") -> AlignmentFit:
    """Fit ``method`` per image on the valid pixels where ``pred`` is finite (see the module docstring)."""

    _check_method(method)
    pred, gt, valid = as_bhw(pred, "pred"), as_bhw(gt, "gt"), as_bhw(valid, "valid")
    if method == "none":
        return _no_fit(pred.shape[0], pred.device)
    return fit_pixels(ValidPixels(pred, gt, valid & pred.isfinite()), method, median=median)


def _no_fit(batch: int, device: torch.device, method: str = "none") -> AlignmentFit:
    import torch

    ones = torch.ones(batch, dtype=torch.float64, device=device)
    return AlignmentFit(method, ones, torch.zeros_like(ones), torch.ones_like(ones, dtype=torch.bool))


def fit_pixels(pixels: ValidPixels, method: str, *, median: str = "numpy") -> AlignmentFit:
    """Fit ``method`` per image on ``pixels`` (valid, with a finite prediction), already gathered."""
    import torch

    _check_method(method)
    if method == "none":
        return _no_fit(pixels.batch, pixels.count.device)
    if method == "median":
        ratio = per_image_median(pixels, pixels.gt, median) / per_image_median(pixels, pixels.pred, median)
        ok = ratio.isfinite() & (ratio > 0)
        scale, shift = ratio, torch.zeros_like(ratio)
    elif method == "lstsq_depth":
        scale, shift, ok = _lstsq(pixels, pixels.pred, pixels.gt)
    else:  # lstsq_disparity
        scale, shift, ok = _lstsq(pixels, pixels.pred, 1.0 / pixels.gt)
    ones = torch.ones_like(scale)
    scale = scale.where(ok, ones)
    shift = shift.where(ok, torch.zeros_like(shift))
    return AlignmentFit(method, scale, shift, ok)


def _aligned(pred: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor, method: str, min_depth: float,
             max_depth: float) -> torch.Tensor:
    aligned = pred * scale + shift
    if method == "lstsq_disparity":
        max_disparity = 1.0 / min_depth if min_depth > 0 else math.inf
        aligned = 1.0 / aligned.clamp(min=1.0 / max_depth, max=max_disparity)
    return aligned.clamp(min=min_depth, max=max_depth)


def apply_alignment(pred: torch.Tensor, fit: AlignmentFit, *, min_depth: float, max_depth: float) -> torch.Tensor:
    """``scale * pred + shift`` per image (inverted from disparity for ``lstsq_disparity``), clamped to the caps."""
    _check_caps(min_depth, max_depth)
    pred = _float(as_bhw(pred, "pred"))
    return _aligned(pred, fit.scale.to(pred.dtype)[:, None, None], fit.shift.to(pred.dtype)[:, None, None],
                    fit.method, min_depth, max_depth)


def align_values(values: torch.Tensor, lengths: list[int], fit: AlignmentFit, *, min_depth: float,
                 max_depth: float) -> torch.Tensor:
    """:func:`apply_alignment` for 1-D values laid out image after image (``lengths[b]`` of image ``b``)."""
    import torch

    _check_caps(min_depth, max_depth)
    values = _float(values)
    if fit.method == "none":
        return values.clamp(min=min_depth, max=max_depth)
    counts = torch.tensor(lengths, device=values.device)
    scale = fit.scale.to(values.dtype).repeat_interleave(counts)
    shift = fit.shift.to(values.dtype).repeat_interleave(counts)
    return _aligned(values, scale, shift, fit.method, min_depth, max_depth)


def align(
    pred: torch.Tensor,
    gt: torch.Tensor,
    valid: torch.Tensor,
    method: str,
    *,
    min_depth: float,
    max_depth: float,
    median: str = "numpy",
) -> torch.Tensor:
    """Align ``pred`` to ``gt`` per image with ``method`` and clamp to ``[min_depth, max_depth]`` -> ``[B,H,W]``.

    ``pred``, ``gt``, ``valid`` are ``[B,H,W]`` or ``[B,1,H,W]``. A degenerate image gets its clamped
    unaligned prediction; use :func:`fit_alignment` to find out which images those were.
    """
    _check_method(method)
    _check_caps(min_depth, max_depth)
    fit = fit_alignment(pred, gt, valid, method, median=median)
    return apply_alignment(pred, fit, min_depth=min_depth, max_depth=max_depth)
