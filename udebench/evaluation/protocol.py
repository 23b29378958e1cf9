"""The evaluation protocol as one explicit function, :func:`score_batch` (DESIGN.md §4).

For a batch of predictions and ground-truth depths it does, in this order:

1. upsample the prediction (bilinear, ``align_corners=False``) to the GT size if they differ;
2. ``valid = min_depth < gt < max_depth`` (and inside the crop, e.g. ``"garg"`` for KITTI Eigen);
3. count, among valid pixels and before alignment, the non-finite predictions and the finite
   predictions ``<= 0``;
4. align per image (fitted on valid pixels with a finite prediction), clamp to the caps;
5. compute the per-image metrics on the valid pixels.

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

from udebench.evaluation.alignment import ALIGNMENTS, apply_alignment, fit_alignment
from udebench.evaluation.metrics import BUILTIN_METRICS, as_bhw, compute_metrics
from udebench.evaluation.statuses import SCORED_STATUSES as STATUSES

if TYPE_CHECKING:
    import torch

__all__ = ["CROPS", "STATUSES", "crop_box", "flip_pp", "score_batch", "upsample", "valid_mask"]

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


def upsample(pred: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear resize (``align_corners=False``) of ``[B,h,w]`` or ``[B,1,h,w]`` to ``size`` -> ``[B,H,W]``.

    Returned unchanged (no copy) when it already has that size.
    """
    import torch
    from torch.nn.functional import interpolate

    pred = as_bhw(pred, "pred")
    size = (int(size[0]), int(size[1]))
    if tuple(pred.shape[-2:]) == size:
        return pred
    pred = pred.to(torch.promote_types(pred.dtype, torch.float32))
    return interpolate(pred[:, None], size=size, mode="bilinear", align_corners=False)[:, 0]


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


def _prediction_counts(pred: torch.Tensor, valid: torch.Tensor) -> tuple[list[int], list[int], list[int]]:
    """Per image: valid pixels, non-finite predictions and finite predictions <= 0 among them."""
    import torch

    batch, height, width = valid.shape
    flat = valid.reshape(-1).nonzero().squeeze(1)  # sorted; gathering beats masked sums over every pixel
    image_ends = torch.arange(1, batch + 1, device=flat.device) * (height * width)

    def per_image(indices: torch.Tensor) -> list[int]:
        ends = torch.searchsorted(indices, image_ends)
        return ends.diff(prepend=ends.new_zeros(1)).tolist()

    values = pred.reshape(-1).take(flat)
    finite = values.isfinite()
    return per_image(flat), per_image(flat[~finite]), per_image(flat[finite & (values <= 0)])


def score_batch(
    pred: torch.Tensor,
    gt: torch.Tensor,
    *,
    alignment: str,
    min_depth: float,
    max_depth: float,
    crop: str | None = None,
    metrics: Mapping[str, Callable[..., torch.Tensor]] | None = None,
    alignment_details: bool = False,
) -> list[dict[str, Any]]:
    """Score a batch: one dict per image (see the module docstring for the steps and the keys).

    ``pred`` is ``[B,h,w]`` or ``[B,1,h,w]`` in the model's output space (depth, or disparity for
    ``lstsq_disparity``); ``gt`` is ``[B,H,W]`` or ``[B,1,H,W]`` metres with invalid pixels outside
    ``(min_depth, max_depth)``. ``metrics`` maps names to ``fn(pred, gt, valid) -> Tensor[B]`` (the
    registered metrics; default: the built-in ones); each gets the aligned, clamped prediction.
    """
    if metrics is None:
        metrics = {name: fn for name, (fn, _, _) in BUILTIN_METRICS.items()}
    names = list(metrics)
    if alignment not in ALIGNMENTS:
        raise ValueError(f"unknown alignment {alignment!r}; choose one of: {', '.join(ALIGNMENTS)}")
    gt = as_bhw(gt, "gt")
    pred = as_bhw(pred, "pred").to(gt.device)
    if pred.shape[0] != gt.shape[0]:
        raise ValueError(f"pred has {pred.shape[0]} images but gt has {gt.shape[0]}")
    pred = upsample(pred, gt.shape[-2:])
    valid = valid_mask(gt, min_depth=min_depth, max_depth=max_depth, crop=crop)

    n_valid, n_nonfinite, n_nonpositive = _prediction_counts(pred, valid)

    fit = fit_alignment(pred, gt, valid, alignment)
    aligned = apply_alignment(pred, fit, min_depth=min_depth, max_depth=max_depth)
    values = compute_metrics(aligned, gt, valid, metrics)
    columns = {name: tensor.tolist() for name, tensor in values.items()}
    fitted = (fit.ok.tolist(), fit.scale.tolist(), fit.shift.tolist())

    rows: list[dict[str, Any]] = []
    for i in range(gt.shape[0]):
        if n_valid[i] == 0:
            status = "no_valid_gt"
        elif n_nonfinite[i] > 0:
            status = "invalid_prediction"
        else:
            status = "ok"
        row: dict[str, Any] = {name: (float(columns[name][i]) if status == "ok" else math.nan) for name in names}
        row.update(
            n_valid=int(n_valid[i]),
            n_nonfinite=int(n_nonfinite[i]),
            n_nonpositive=int(n_nonpositive[i]),
            status=status,
        )
        if alignment_details:
            row.update(alignment_ok=bool(fitted[0][i]), alignment_scale=fitted[1][i], alignment_shift=fitted[2][i])
        rows.append(row)
    return rows
