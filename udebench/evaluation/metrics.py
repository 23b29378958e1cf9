"""Per-image depth metrics: one small pure function per metric, ``(pred, gt, valid) -> Tensor[B]``.

Conventions (Monodepth2 / md4all, DESIGN.md §4):

* ``pred`` and ``gt`` are ``[B, H, W]`` (or ``[B, 1, H, W]``) depths in metres, already aligned and
  clamped; ``valid`` is a bool mask of the same shape. Each image's value uses that image's valid
  pixels only; averaging over images is the caller's job (per image, then mean over images).
* An image with no valid pixel gives NaN for every metric (the caller counts those).
* ``d = ln(pred) - ln(gt)`` (natural log) for the log metrics; "silog" exists in several variants, each
  under its own name with its formula below.
* Only the valid pixels are touched: they are gathered once, per-pixel terms are computed in float32
  (float64 for float64 input) and every per-image sum accumulates in float64. The result has
  ``pred``'s dtype (at least float32).

This module must not import torch at import time (``udebench list metrics`` stays fast): tensors
come in from the caller, so Tensor methods are used and ``torch`` is imported inside functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

__all__ = [
    "BUILTIN_METRICS",
    "a1",
    "a2",
    "a3",
    "abs_rel",
    "as_bhw",
    "check_metric_names",
    "compute_metrics",
    "compute_point_metrics",
    "depth_metrics",
    "log10",
    "rmse",
    "rmse_log",
    "silog_dav2",
    "silog_eigen",
    "silog_kitti",
    "silog_unidepth",
    "sq_rel",
    "ValidPixels",
]

_LN10 = math.log(10.0)


class ValidPixels:
    """The valid pixels of a batch, gathered once, with the per-pixel terms several metrics share.

    ``pred``/``gt`` are 1-D over all valid pixels of the batch, image by image;
    ``count[b]`` is image ``b``'s number of valid pixels. Terms such as ``log_ratio`` are computed on
    first use and then reused, so :func:`depth_metrics` takes each logarithm once.
    """

    def __init__(self, pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor) -> None:
        import torch

        pred, gt, valid = as_bhw(pred, "pred"), as_bhw(gt, "gt"), as_bhw(valid, "valid")
        if pred.shape != gt.shape or valid.shape != gt.shape:
            raise ValueError(
                f"pred, gt and valid must have the same shape, got {tuple(pred.shape)}, "
                f"{tuple(gt.shape)}, {tuple(valid.shape)}"
            )
        if valid.dtype != torch.bool:
            raise ValueError(f"valid must be a bool mask, got dtype {valid.dtype}")
        batch, height, width = gt.shape
        flat = valid.reshape(-1).nonzero().squeeze(1)
        # nonzero() returns flat indices in order, so each image's pixels form one contiguous run.
        image_ends = torch.arange(1, batch + 1, device=flat.device) * (height * width)
        ends = torch.searchsorted(flat, image_ends)
        lengths = ends.diff(prepend=ends.new_zeros(1)).tolist()
        self._setup(pred.reshape(-1).take(flat), gt.reshape(-1).take(flat), lengths, pred.dtype)

    @classmethod
    def from_values(cls, pred: torch.Tensor, gt: torch.Tensor, lengths: list[int]) -> ValidPixels:
        """Pixels already gathered: 1-D ``pred``/``gt``, image after image, ``lengths[b]`` of image ``b``."""
        if pred.shape != gt.shape or pred.dim() != 1 or sum(lengths) != pred.numel():
            raise ValueError(f"pred {tuple(pred.shape)} and gt {tuple(gt.shape)} must be 1-D with "
                             f"sum(lengths) = {sum(lengths)} values")
        pixels = cls.__new__(cls)
        pixels._setup(pred, gt, list(lengths), pred.dtype)
        return pixels

    def _setup(self, pred: torch.Tensor, gt: torch.Tensor, lengths: list[int], pred_dtype: torch.dtype) -> None:
        import torch

        self.batch = len(lengths)
        #: per-pixel terms are computed in this dtype: float32, or float64 for float64 input.
        self.dtype = torch.promote_types(torch.promote_types(pred.dtype, gt.dtype), torch.float32)
        self.out_dtype = torch.promote_types(pred_dtype, torch.float32)
        self.pred = pred.to(self.dtype)
        self.gt = gt.to(self.dtype)
        #: valid pixels per image, as python ints (the lengths of the runs in ``pred``/``gt``).
        self.lengths: list[int] = lengths
        self.count = torch.tensor(lengths, dtype=torch.float64, device=gt.device)
        self._cache: dict[str, torch.Tensor] = {}

    def per_image_sum(self, values: torch.Tensor) -> torch.Tensor:
        """Sum over each image's valid pixels, accumulated in float64 -> float64 ``[B]``."""
        import torch

        if self.batch == 0:
            return self.count.new_zeros(0)
        return torch.stack([run.sum(dtype=torch.float64) for run in values.split(self.lengths)])

    def per_image_mean(self, values: torch.Tensor) -> torch.Tensor:
        """Mean over each image's valid pixels -> ``[B]``; NaN (0/0) for an image without any."""
        return self.per_image_sum(values) / self.count

    def term(self, name: str) -> torch.Tensor:
        """A shared per-pixel term, computed once: ``diff``, ``sq_diff``, ``ratio``, ``log_ratio``, ``sq_log_ratio``,
        ``delta``."""
        if name not in self._cache:
            self._cache[name] = _TERMS[name](self)
        return self._cache[name]

    def mean_of(self, name: str) -> torch.Tensor:
        """Per-image mean of a shared term, computed once."""
        key = f"mean:{name}"
        if key not in self._cache:
            self._cache[key] = self.per_image_mean(self.term(name))
        return self._cache[key]


_TERMS: dict[str, Callable[[ValidPixels], torch.Tensor]] = {
    "diff": lambda v: v.pred - v.gt,
    "sq_diff": lambda v: v.term("diff").square(),
    # ln(pred/gt) rather than ln(pred) - ln(gt): one log, and float32 keeps ~1e-7 absolute accuracy.
    "ratio": lambda v: v.pred / v.gt,
    "log_ratio": lambda v: v.term("ratio").log(),
    "sq_log_ratio": lambda v: v.term("log_ratio").square(),
    "delta": lambda v: v.term("ratio").maximum(v.gt / v.pred),
}


def as_bhw(x: torch.Tensor, name: str) -> torch.Tensor:
    """``x`` as ``[B,H,W]``: drops the channel of ``[B,1,H,W]``; anything else but ``[B,H,W]`` is a ValueError."""
    if x.dim() == 4 and x.shape[1] == 1:
        return x[:, 0]
    if x.dim() != 3:
        raise ValueError(f"{name} must be [B,H,W] or [B,1,H,W], got shape {tuple(x.shape)}")
    return x


def _log_variance(v: ValidPixels, lam: float) -> torch.Tensor:
    """``mean(d^2) - lam * mean(d)^2`` per image, floored at 0 (rounding can dip just below)."""
    return (v.mean_of("sq_log_ratio") - lam * v.mean_of("log_ratio").square()).clamp(min=0.0)


# --- kernels: ValidPixels -> float64 [B]; the public functions below wrap them -----------------------


def _abs_rel(v: ValidPixels) -> torch.Tensor:
    return v.per_image_mean(v.term("diff").abs() / v.gt)


def _sq_rel(v: ValidPixels) -> torch.Tensor:
    return v.per_image_mean(v.term("sq_diff") / v.gt)


def _rmse(v: ValidPixels) -> torch.Tensor:
    return v.mean_of("sq_diff").sqrt()


def _rmse_log(v: ValidPixels) -> torch.Tensor:
    return v.mean_of("sq_log_ratio").sqrt()


def _log10(v: ValidPixels) -> torch.Tensor:
    return v.per_image_mean(v.term("log_ratio").abs()) / _LN10


def _delta_below(v: ValidPixels, power: int) -> torch.Tensor:
    return v.per_image_mean((v.term("delta") < 1.25**power).to(v.dtype))


def _a1(v: ValidPixels) -> torch.Tensor:
    return _delta_below(v, 1)


def _a2(v: ValidPixels) -> torch.Tensor:
    return _delta_below(v, 2)


def _a3(v: ValidPixels) -> torch.Tensor:
    return _delta_below(v, 3)


def _silog_kitti(v: ValidPixels) -> torch.Tensor:
    return 100.0 * _log_variance(v, 1.0).sqrt()


def _silog_eigen(v: ValidPixels) -> torch.Tensor:
    return _log_variance(v, 1.0).sqrt()


def _silog_dav2(v: ValidPixels) -> torch.Tensor:
    return _log_variance(v, 0.5).sqrt()


def _silog_unidepth(v: ValidPixels) -> torch.Tensor:
    # unbiased variance = n/(n-1) * (mean(d^2) - mean(d)^2); NaN for n <= 1 (as torch.std).
    n = v.count
    factor = (n / (n - 1.0)).where(n > 1, n.new_full((), math.nan))
    return 100.0 * (_log_variance(v, 1.0) * factor).sqrt()


def _run(kernel: Callable[[ValidPixels], torch.Tensor], pred, gt, valid) -> torch.Tensor:
    pixels = ValidPixels(pred, gt, valid)
    return kernel(pixels).to(pixels.out_dtype)


# --- public metrics -----------------------------------------------------------------------------------


def abs_rel(pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Absolute relative error, ``mean(|pred - gt| / gt)`` per image. Lower is better."""
    return _run(_abs_rel, pred, gt, valid)


def sq_rel(pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Squared relative error, ``mean((pred - gt)^2 / gt)`` per image (metres). Lower is better."""
    return _run(_sq_rel, pred, gt, valid)


def rmse(pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Root mean squared error, ``sqrt(mean((pred - gt)^2))`` per image (metres). Lower is better."""
    return _run(_rmse, pred, gt, valid)


def rmse_log(pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """RMSE of natural logs, ``sqrt(mean(d^2))`` with ``d = ln pred - ln gt``, per image. Lower is better."""
    return _run(_rmse_log, pred, gt, valid)


def log10(pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean absolute log10 error, ``mean(|log10 pred - log10 gt|)`` per image. Lower is better.

    As in Marigold, Depth-Anything-V2 and UniDepth (Monodepth2 does not report it).
    """
    return _run(_log10, pred, gt, valid)


def a1(pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """δ1 accuracy: fraction of valid pixels with ``max(pred/gt, gt/pred) < 1.25``. Higher is better."""
    return _run(_a1, pred, gt, valid)


def a2(pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """δ2 accuracy: fraction of valid pixels with ``max(pred/gt, gt/pred) < 1.25^2``. Higher is better."""
    return _run(_a2, pred, gt, valid)


def a3(pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """δ3 accuracy: fraction of valid pixels with ``max(pred/gt, gt/pred) < 1.25^3``. Higher is better."""
    return _run(_a3, pred, gt, valid)


def silog_kitti(pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """KITTI depth-prediction benchmark SILog: ``100 * sqrt(mean(d^2) - mean(d)^2)``, ``d = ln pred - ln gt``.

    The KITTI devkit's "SILog [100 log(m)]"; per image the same number as Marigold's ``silog_rmse``
    (src/util/metric.py) and the ``silog`` of BTS, AdaBins and ZoeDepth. λ = 1, square root, times 100.
    Lower is better.
    """
    return _run(_silog_kitti, pred, gt, valid)


def silog_eigen(pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Eigen et al. 2014 scale-invariant log RMSE: ``sqrt(mean(d^2) - mean(d)^2)``, ``d = ln pred - ln gt``.

    The square root of the scale-invariant error of Eigen, Puhrsch & Fergus, "Depth Map Prediction
    from a Single Image using a Multi-Scale Deep Network" (NIPS 2014),
    ``D = 1/n sum(d^2) - 1/n^2 (sum d)^2``, i.e. λ = 1 (λ = 0.5 is only their training loss's weight;
    see :func:`silog_dav2`). Their tables report it as "RMSE (log, scale-invariant)". Equals
    ``silog_kitti / 100``. Lower is better.
    """
    return _run(_silog_eigen, pred, gt, valid)


def silog_dav2(pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Depth-Anything-V2 "silog": ``sqrt(mean(d^2) - 0.5 * mean(d)^2)``, ``d = ln pred - ln gt``.

    As in Depth-Anything-V2's metric_depth/util/metric.py (λ = 0.5, Eigen 2014's training-loss weight,
    so it is *not* scale invariant; no factor 100). Lower is better.
    """
    return _run(_silog_dav2, pred, gt, valid)


def silog_unidepth(pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """UniDepth "silog": ``100 * std(d)`` with Bessel's correction, ``d = ln pred - ln gt``.

    ``100 * sqrt(sum((d - mean(d))^2) / (n - 1))`` = ``silog_kitti * sqrt(n / (n - 1))``, as UniDepth's
    unidepth/utils/evaluation_depth.py (``torch.std``, unbiased). NaN for an image with fewer than two
    valid pixels. Lower is better.
    """
    return _run(_silog_unidepth, pred, gt, valid)


#: The built-in metrics plugin (:mod:`udebench.evaluation.builtin`) registers these; evaluation itself reads
#: the plugin registry, where plugins' metrics sit beside them. name -> (function, higher_is_better, description)
BUILTIN_METRICS: dict[str, tuple[Callable[..., torch.Tensor], bool, str]] = {
    "abs_rel": (abs_rel, False, "mean |pred - gt| / gt"),
    "sq_rel": (sq_rel, False, "mean (pred - gt)^2 / gt"),
    "rmse": (rmse, False, "sqrt(mean (pred - gt)^2), metres"),
    "rmse_log": (rmse_log, False, "sqrt(mean (ln pred - ln gt)^2)"),
    "log10": (log10, False, "mean |log10 pred - log10 gt|"),
    "a1": (a1, True, "fraction with max(pred/gt, gt/pred) < 1.25"),
    "a2": (a2, True, "fraction with max(pred/gt, gt/pred) < 1.25^2"),
    "a3": (a3, True, "fraction with max(pred/gt, gt/pred) < 1.25^3"),
    "silog_kitti": (silog_kitti, False, "KITTI SILog: 100 sqrt(mean d^2 - mean(d)^2), d = ln pred - ln gt"),
    "silog_eigen": (silog_eigen, False, "Eigen 2014 sc.-inv. log RMSE: sqrt(mean d^2 - mean(d)^2)"),
    "silog_dav2": (silog_dav2, False, "Depth-Anything-V2 silog: sqrt(mean d^2 - 0.5 mean(d)^2)"),
    "silog_unidepth": (silog_unidepth, False, "UniDepth silog: 100 std(d), unbiased"),
}

_KERNELS: dict[str, Callable[[ValidPixels], torch.Tensor]] = {
    "abs_rel": _abs_rel,
    "sq_rel": _sq_rel,
    "rmse": _rmse,
    "rmse_log": _rmse_log,
    "log10": _log10,
    "a1": _a1,
    "a2": _a2,
    "a3": _a3,
    "silog_kitti": _silog_kitti,
    "silog_eigen": _silog_eigen,
    "silog_dav2": _silog_dav2,
    "silog_unidepth": _silog_unidepth,
}


_KERNEL_OF_FUNCTION: dict[Callable[..., torch.Tensor], Callable[[ValidPixels], torch.Tensor]] = {
    BUILTIN_METRICS[name][0]: kernel for name, kernel in _KERNELS.items()
}


def check_metric_names(names: Iterable[str] | None) -> list[str]:
    """Built-in metric names to compute (all of :data:`BUILTIN_METRICS` for None); ValueError on an unknown one."""
    if names is None:
        return list(BUILTIN_METRICS)
    names = list(names)
    unknown = [name for name in names if name not in BUILTIN_METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(map(repr, unknown))}; known: {', '.join(BUILTIN_METRICS)}")
    return names


def compute_metrics(
    pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor, metrics: Mapping[str, Callable[..., torch.Tensor]]
) -> dict[str, torch.Tensor]:
    """Every metric of ``metrics`` (name -> ``fn(pred, gt, valid)``) as a float64 ``Tensor[B]``.

    The built-in functions share one gather of the valid pixels (as :func:`depth_metrics`); any other
    function (a plugin's) is called as it is and must return ``B`` values (NaN where the image has no
    pixel the metric counts). A function that raises, or returns another shape, is a one-line
    :class:`udebench.errors.MetricError` naming the metric.
    """
    import torch

    pred, gt, valid = as_bhw(pred, "pred"), as_bhw(gt, "gt"), as_bhw(valid, "valid")
    out: dict[str, torch.Tensor] = {}
    pixels: ValidPixels | None = None
    for name, fn in metrics.items():
        kernel = _KERNEL_OF_FUNCTION.get(fn)
        if kernel is not None:
            pixels = pixels or ValidPixels(pred, gt, valid)
            out[name] = kernel(pixels).to(torch.float64)
            continue
        out[name] = _call_metric(name, fn, pred, gt, valid)
    return out


def _call_metric(name: str, fn: Callable[..., torch.Tensor], pred: torch.Tensor, gt: torch.Tensor,
                 valid: torch.Tensor) -> torch.Tensor:
    """A plugin's metric on the batch as float64 ``[B]``; what it raises or a wrong shape is a one-line MetricError."""
    import torch

    from udebench.errors import MetricError

    batch = gt.shape[0]
    try:
        value = torch.as_tensor(fn(pred, gt, valid)).detach()
    except Exception as exc:  # any failure inside a plugin's function: name the metric, keep the cause chained
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else "no message"
        raise MetricError(f"metric {name!r} failed on a batch of {batch} image(s): {type(exc).__name__}: {detail}; "
                          f"fix the plugin that registers it, or leave it out with --metrics") from exc
    if value.dim() == 2 and value.shape[1] == 1:
        value = value[:, 0]
    if tuple(value.shape) != (batch,):
        raise MetricError(f"metric {name!r} returned shape {tuple(value.shape)}; a metric returns one value per "
                          f"image, shape [{batch}] (NaN for an image without a pixel it counts)")
    return value.to(device=gt.device, dtype=torch.float64)


def compute_point_metrics(
    pixels: ValidPixels,
    metrics: Mapping[str, Callable[..., torch.Tensor]],
    *,
    dense: Callable[[], tuple[torch.Tensor, torch.Tensor, torch.Tensor]],
) -> dict[str, torch.Tensor]:
    """Every metric of ``metrics`` as a float64 ``Tensor[B]``, from pixels already gathered.

    Built-in metrics read ``pixels``; any other function (a plugin's) is called as ``fn(pred, gt, valid)``
    on the dense ``[B,H,W]`` tensors ``dense()`` builds (once, only when such a metric is asked for).
    """
    import torch

    out: dict[str, torch.Tensor] = {}
    plain: dict[str, Callable[..., torch.Tensor]] = {}
    for name, fn in metrics.items():
        kernel = _KERNEL_OF_FUNCTION.get(fn)
        if kernel is not None:
            out[name] = kernel(pixels).to(torch.float64)
        else:
            plain[name] = fn
    if plain:
        out.update(compute_metrics(*dense(), plain))
    return {name: out[name] for name in metrics}


def depth_metrics(
    pred: torch.Tensor, gt: torch.Tensor, valid: torch.Tensor, names: Iterable[str] | None = None
) -> dict[str, torch.Tensor]:
    """All (or the named) built-in metrics, each ``Tensor[B]``, gathering the valid pixels once.

    Accepts ``[B,H,W]`` or ``[B,1,H,W]``. Shared terms (``pred - gt``, ``ln pred - ln gt``, the δ ratio)
    are computed once for all metrics; the values equal those of the single-metric functions.
    """
    wanted = check_metric_names(names)
    pixels = ValidPixels(pred, gt, valid)
    return {name: _KERNELS[name](pixels).to(pixels.out_dtype) for name in wanted}
