"""The evaluation protocol as one explicit function, :func:`score_batch` (DESIGN.md §4).

For a batch of predictions and ground truth it does, in this order, under the conventions of the
split's :class:`~udebench.evaluation.protocol_spec.Protocol`:

1. ``valid = low < gt < high`` (the protocol's GT range, by default ``min_depth``/``max_depth``) and
   inside the crop (e.g. ``"garg"`` for KITTI Eigen); the valid pixels become points;
2. read the prediction at those points: as it is when it has the GT's size, else upsampled (bilinear
   with the protocol's ``align_corners``, or nearest), in disparity space when the protocol says so,
   sampled at the points only (:mod:`udebench.evaluation.points`: equal to upsample-then-index);
3. count, among valid pixels and before alignment, the non-finite predictions and the finite
   predictions ``<= 0``;
4. align per image (fitted on valid pixels with a finite prediction, with the protocol's median),
   clamp to ``[min_depth, max_depth]``;
5. compute the per-image metrics on the valid pixels.

Ground truth comes as a dense ``[B,H,W]`` map (0 where there is none) or as
:class:`~udebench.evaluation.points.DepthPoints` (sparse LiDAR, never made dense): the results are the same.

Each image gives one dict: the metric values (python floats), ``n_valid``, ``n_nonfinite``,
``n_nonpositive`` and ``status``:

* ``"ok"``;
* ``"no_valid_gt"``: no valid pixel; every metric is NaN;
* ``"invalid_prediction"``: a non-finite prediction inside the valid region; every metric is NaN, so
  the image is never averaged in (the caller counts these images).

A degenerate alignment (see :mod:`udebench.evaluation.alignment`) leaves the clamped unaligned
prediction, whose metrics are reported as they are. With ``alignment_details=True`` each dict also
has ``alignment_ok`` (False for such an image), ``alignment_scale`` and ``alignment_shift``; they are
off by default because consumers that treat every other key as a metric would average them.

Torch is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from udebench.evaluation.alignment import ALIGNMENTS, align_values, apply_alignment, fit_pixels
from udebench.evaluation.metrics import BUILTIN_METRICS, ValidPixels, as_bhw, compute_point_metrics
from udebench.evaluation.points import DepthPoints, sample_at_points
from udebench.evaluation.statuses import SCORED_STATUSES as STATUSES

if TYPE_CHECKING:
    import torch

__all__ = ["CROPS", "STATUSES", "crop_box", "flip_pp", "score_batch", "upsample", "valid_mask", "valid_points"]

#: crop name -> (top, bottom, left, right) as fractions of the GT height/width; the box is
#: ``rows int(top*H):int(bottom*H), cols int(left*W):int(right*W)``, as Monodepth2 / BTS / AdaBins.
CROPS: dict[str, tuple[float, float, float, float]] = {
    # Garg et al. 2016, used by Monodepth2 for KITTI Eigen ("eigen" split evaluation).
    "garg": (0.40810811, 0.99189189, 0.03594771, 0.96405229),
    # The crop "found by trial and error to reproduce Eigen NIPS14 results" (BTS, AdaBins --eigen_crop).
    "eigen": (0.3324324, 0.91351351, 0.0359477, 0.96405229),
}



def crop_box(height: int, width: int, crop: str) -> tuple[int, int, int, int]:
    """The ``(top, bottom, left, right)`` pixel box of ``crop`` for an image of that size (end exclusive)."""
    if crop not in CROPS:
        raise ValueError(f"unknown crop {crop!r}; choose one of: {', '.join(CROPS)} (or None for no crop)")
    top, bottom, left, right = CROPS[crop]
    return int(top * height), int(bottom * height), int(left * width), int(right * width)


def valid_mask(gt: torch.Tensor, *, min_depth: float, max_depth: float, crop: str | None = None) -> torch.Tensor:
    """Bool mask, same shape as ``gt`` (``[..., H, W]``): ``min_depth < gt < max_depth``, inside ``crop``.

    Strict inequalities, as Monodepth2; NaN or infinite GT is never valid.
    """
    mask = (gt > min_depth) & (gt < max_depth)
    if crop is not None:
        top, bottom, left, right = crop_box(gt.shape[-2], gt.shape[-1], crop)
        inside = mask.new_zeros(mask.shape[-2:])
        inside[top:bottom, left:right] = True
        mask &= inside
    return mask


def valid_points(points: DepthPoints, *, low: float, high: float, crop: str | None = None) -> DepthPoints:
    """The points with ``low < depth < high`` inside ``crop``: :func:`valid_mask` for sparse ground truth."""
    keep = (points.depth > low) & (points.depth < high)
    if crop is not None:
        top, bottom, left, right = crop_box(*points.size, crop)
        keep &= (points.rows >= top) & (points.rows < bottom) & (points.cols >= left) & (points.cols < right)
    return points.where(keep)


def upsample(pred: torch.Tensor, size: tuple[int, int], *, mode: str = "bilinear",
             align_corners: bool = False) -> torch.Tensor:
    """Resize ``[B,h,w]`` or ``[B,1,h,w]`` to ``size`` -> ``[B,H,W]`` (bilinear: ``align_corners`` as given).

    Returned unchanged (no copy) when it already has that size.
    """
    import torch
    from torch.nn.functional import interpolate

    pred = as_bhw(pred, "pred")
    size = (int(size[0]), int(size[1]))
    if tuple(pred.shape[-2:]) == size:
        return pred
    pred = pred.to(torch.promote_types(pred.dtype, torch.float32))
    if mode == "nearest":
        return interpolate(pred[:, None], size=size, mode="nearest")[:, 0]
    return interpolate(pred[:, None], size=size, mode=mode, align_corners=align_corners)[:, 0]


def resamples_disparity(space: str, alignment: str) -> bool:
    """Is the prediction inverted for resampling?

    In ``disparity`` space depth predictions are (``none``/``median`` alignment: a positive depth);
    ``lstsq_disparity`` predictions already are disparities, and ``lstsq_depth`` ones are affine depth
    with a free shift, which has no meaningful inverse.
    """
    return space == "disparity" and alignment in ("none", "median")


def flip_pp(pred: torch.Tensor, pred_of_flipped: torch.Tensor) -> torch.Tensor:
    """Monodepth(2) post-processing of a prediction and the prediction of the mirrored image.

    ``pred_of_flipped`` is the raw output for the horizontally flipped input; it is flipped back here.
    Columns in the left 5% take the flipped-back prediction, the right 5% the plain one, the middle
    their mean, with linear ramps over the next 5% (Godard et al. 2017/2019). Monodepth2 applies it to
    disparities. Shapes ``[B,H,W]`` or ``[B,1,H,W]``; returns ``[B,H,W]``.
    """
    import torch

    pred = as_bhw(pred, "pred")
    back = as_bhw(pred_of_flipped, "pred_of_flipped").flip(-1)
    if pred.shape != back.shape:
        raise ValueError(f"pred {tuple(pred.shape)} and pred_of_flipped {tuple(back.shape)} differ in shape")
    position = torch.linspace(0.0, 1.0, pred.shape[-1], dtype=pred.dtype, device=pred.device)
    left = 1.0 - (20.0 * (position - 0.05)).clamp(0.0, 1.0)  # 1 at the left border, 0 past 10%
    right = left.flip(0)
    mean = 0.5 * (pred + back)
    return right * pred + left * back + (1.0 - left - right) * mean


def _per_image(mask: torch.Tensor, lengths: list[int]) -> list[int]:
    return [int(run.sum()) for run in mask.split(lengths)]


def score_batch(
    pred: torch.Tensor,
    gt: torch.Tensor | DepthPoints,
    *,
    alignment: str,
    min_depth: float,
    max_depth: float,
    crop: str | None = None,
    metrics: Mapping[str, Callable[..., torch.Tensor]] | None = None,
    alignment_details: bool = False,
    gt_range: tuple[float, float] | None = None,
    upsample_mode: str = "bilinear",
    align_corners: bool = False,
    upsample_space: str = "prediction",
    median: str = "numpy",
) -> list[dict[str, Any]]:
    """Score a batch: one dict per image (see the module docstring for the steps and the keys).

    ``pred`` is ``[B,h,w]`` or ``[B,1,h,w]`` in the model's output space (depth, or disparity for
    ``lstsq_disparity``); ``gt`` is ``[B,H,W]`` or ``[B,1,H,W]`` metres (invalid pixels outside the GT
    range) or :class:`DepthPoints`. ``metrics`` maps names to ``fn(pred, gt, valid) -> Tensor[B]`` (the
    registered metrics; default: the built-in ones); each gets the aligned, clamped prediction. The other
    keywords are the protocol's conventions (:class:`~udebench.evaluation.protocol_spec.Protocol`).
    """
    import torch

    if metrics is None:
        metrics = {name: fn for name, (fn, _, _) in BUILTIN_METRICS.items()}
    names = list(metrics)
    if alignment not in ALIGNMENTS:
        raise ValueError(f"unknown alignment {alignment!r}; choose one of: {', '.join(ALIGNMENTS)}")
    low, high = gt_range if gt_range is not None else (min_depth, max_depth)
    if isinstance(gt, DepthPoints):
        dense_gt = None
        points = valid_points(gt, low=low, high=high, crop=crop)
    else:
        dense_gt = as_bhw(gt, "gt")
        points = DepthPoints.from_dense(dense_gt, valid_mask(dense_gt, min_depth=low, max_depth=high, crop=crop))
    pred = as_bhw(pred, "pred").to(points.device)
    if pred.shape[0] != points.batch:
        raise ValueError(f"pred has {pred.shape[0]} images but gt has {points.batch}")
    pred = pred.to(torch.promote_types(pred.dtype, torch.float32))
    in_disparity = resamples_disparity(upsample_space, alignment) and tuple(pred.shape[-2:]) != points.size
    source = 1.0 / pred if in_disparity else pred
    values = sample_at_points(source, points, mode=upsample_mode, align_corners=align_corners)
    if in_disparity:
        values = 1.0 / values

    lengths = points.lengths
    fit_on = ValidPixels.from_values(values, points.depth, lengths)
    if values.sum(dtype=torch.float64).isfinite():  # one cheap pass settles the usual case: no NaN/inf at all
        n_nonfinite = [0] * points.batch
        n_nonpositive = _per_image(values <= 0, lengths) if values.numel() and values.min() <= 0 else n_nonfinite
    else:
        finite = values.isfinite()
        n_nonfinite = _per_image(~finite, lengths)
        n_nonpositive = _per_image(finite & (values <= 0), lengths)
        kept = points.where(finite)
        fit_on = ValidPixels.from_values(values[finite], kept.depth, kept.lengths)
    fit = fit_pixels(fit_on, alignment, median=median)
    aligned = align_values(values, lengths, fit, min_depth=min_depth, max_depth=max_depth)

    def dense() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """What a plugin's metric gets, as before points: the whole aligned map, the GT, the valid mask."""
        full = upsample(source, points.size, mode=upsample_mode, align_corners=align_corners)
        full = apply_alignment(1.0 / full if in_disparity else full, fit, min_depth=min_depth, max_depth=max_depth)
        target = dense_gt if dense_gt is not None else gt.to(points.device).dense()
        valid = torch.zeros(points.shape, dtype=torch.bool, device=points.device)
        valid.view(-1)[points.flat_index()] = True
        return full, target, valid

    values_by_metric = compute_point_metrics(ValidPixels.from_values(aligned, points.depth, lengths), metrics,
                                             dense=dense)
    columns = {name: tensor.tolist() for name, tensor in values_by_metric.items()}
    fitted = (fit.ok.tolist(), fit.scale.tolist(), fit.shift.tolist())

    rows: list[dict[str, Any]] = []
    for i in range(points.batch):
        if lengths[i] == 0:
            status = "no_valid_gt"
        elif n_nonfinite[i] > 0:
            status = "invalid_prediction"
        else:
            status = "ok"
        row: dict[str, Any] = {name: (float(columns[name][i]) if status == "ok" else math.nan) for name in names}
        row.update(
            n_valid=int(lengths[i]),
            n_nonfinite=int(n_nonfinite[i]),
            n_nonpositive=int(n_nonpositive[i]),
            status=status,
        )
        if alignment_details:
            row.update(alignment_ok=bool(fitted[0][i]), alignment_scale=fitted[1][i], alignment_shift=fitted[2][i])
        rows.append(row)
    return rows
