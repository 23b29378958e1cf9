"""A split's evaluation protocol as data: every convention of its reference evaluation that changes a number.

Two papers' numbers on "the same" benchmark often differ only by a silent detail: how the prediction
is brought to the ground truth's size, which median is taken, which ground truth counts, what size
the network sees. Each :class:`~udebench.specs.SplitSpec` holds one :class:`Protocol` naming the
reference implementation it follows; ``udebench protocol SPLIT`` prints it and ``docs/protocols.md``
compares them. Pure data: no torch, no numpy.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

__all__ = ["INPUT_POLICIES", "INPUT_RESAMPLES", "MEDIANS", "SPACES", "UPSAMPLE_MODES", "Protocol", "jsonable",
           "parse_override", "parse_overrides"]

#: how the prediction is resized to the ground truth (``torch.nn.functional.interpolate`` modes).
UPSAMPLE_MODES: tuple[str, ...] = ("bilinear", "nearest")
#: where resampling and flip post-processing happen: on the model's output as it comes, or on its inverse.
SPACES: tuple[str, ...] = ("prediction", "disparity")
#: ``numpy``: the mean of the two middle values for an even count (``np.median``, Monodepth2);
#: ``torch``: the lower middle value (``torch.median``, md4all).
MEDIANS: tuple[str, ...] = ("numpy", "torch")
#: ``model``: the model's own ``input_size`` (none: the image as it is); ``as_given``: the image as the split
#: gives it, never resized (KITTI-C); a fixed ``(height, width)`` is the benchmark's size (md4all's 320×576).
INPUT_POLICIES: tuple[str, ...] = ("model", "as_given")
#: how an image is resized to the network's input: bilinear on floats (``align_corners=False``, no antialias),
#: or PIL's Lanczos on the 8-bit image (``Image.LANCZOS``/``ANTIALIAS``, as Monodepth2's and md4all's loaders).
INPUT_RESAMPLES: tuple[str, ...] = ("bilinear", "lanczos")


@dataclass(frozen=True)
class Protocol:
    """The conventions one split is scored under, and the reference code they follow.

    ``min_depth``/``max_depth`` clamp the aligned prediction; ground truth is valid where
    ``gt_low < gt < gt_high``, ``gt_range`` giving those bounds (None: the clamp bounds, as Monodepth2 and
    md4all; ``(0, inf)``: any positive depth, as Robust-Depth on DrivingStereo).
    """

    #: which implementation these conventions reproduce: repository, file and function.
    reference: str = "udebench's own conventions (Monodepth2's, evaluate_depth.py::evaluate)"
    min_depth: float = 1e-3
    max_depth: float = 80.0
    gt_range: tuple[float, float] | None = None
    #: crop of the valid mask (``udebench.evaluation.protocol.CROPS``: ``garg``, ``eigen``), or None.
    crop: str | None = None
    upsample_mode: str = "bilinear"
    align_corners: bool = False
    #: ``disparity``: a depth prediction is inverted, resized and inverted back (Monodepth2 resizes disparities).
    upsample_space: str = "prediction"
    median: str = "numpy"
    #: ``model``, ``as_given`` or a fixed ``(height, width)``; see :data:`INPUT_POLICIES`.
    input_size: str | tuple[int, int] = "model"
    input_resample: str = "bilinear"
    #: flip post-processing when the user does not say (``--flip-pp``/``--no-flip-pp``).
    flip_pp: bool = False
    flip_pp_space: str = "prediction"

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ValueError(f"protocol: {'; '.join(problems)}")

    @property
    def gt_bounds(self) -> tuple[float, float]:
        """``(low, high)``: ground truth is valid strictly between them."""
        return self.gt_range if self.gt_range is not None else (self.min_depth, self.max_depth)

    def network_size(self, model_input_size: tuple[int, int] | None) -> tuple[int, int] | None:
        """The ``(height, width)`` images are resized to before the network, or None to feed them as they are."""
        if self.input_size == "as_given":
            return None
        if self.input_size == "model":
            return tuple(model_input_size) if model_input_size is not None else None
        return tuple(self.input_size)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able (tuples as lists): stored with each run, part of its identity."""
        return {key: jsonable(value) for key, value in asdict(self).items()}

    @classmethod
    def from_run_options(cls, options: dict[str, Any]) -> Protocol:
        """The protocol a stored run was scored under (runs from before protocols: their caps and crop)."""
        stored = options.get("protocol")
        if stored is None:
            return cls(min_depth=float(options.get("min_depth", 1e-3)), max_depth=float(options.get("max_depth", 80.0)),
                       crop=options.get("crop"))
        values = {k: v for k, v in stored.items() if k in _FIELDS}
        for key in ("gt_range", "input_size"):
            if isinstance(values.get(key), list):
                values[key] = tuple(values[key])
        return cls(**values)

    def with_overrides(self, overrides: dict[str, Any]) -> Protocol:
        """This protocol with some fields replaced (values already typed, see :func:`parse_override`)."""
        unknown = [key for key in overrides if key not in _FIELDS]
        if unknown:
            raise ValueError(f"unknown protocol key(s) {', '.join(unknown)}; known: {', '.join(_OVERRIDABLE)}")
        return replace(self, **overrides)

    def describe(self) -> list[tuple[str, str]]:
        """``(key, value)`` rows in reading order, for ``udebench protocol``."""
        low, high = self.gt_bounds
        size = self.input_size if isinstance(self.input_size, str) else f"{self.input_size[0]}x{self.input_size[1]}"
        return [
            ("reference", self.reference),
            ("input_size", size),
            ("input_resample", self.input_resample + (" (only to reach a model's input_multiple)"
                                                      if self.input_size == "as_given" else "")),
            ("upsample_mode", self.upsample_mode),
            ("align_corners", str(self.align_corners).lower()),
            ("upsample_space", self.upsample_space),
            ("gt_range", f"{_number(low)} < gt < {_number(high)}" + (" (the clamp bounds)"
                                                                    if self.gt_range is None else "")),
            ("crop", self.crop or "none"),
            ("median", self.median + (" (lower middle)" if self.median == "torch" else " (mean of two middles)")),
            ("min_depth", _number(self.min_depth)),
            ("max_depth", _number(self.max_depth)),
            ("flip_pp", str(self.flip_pp).lower()),
            ("flip_pp_space", self.flip_pp_space),
        ]


_FIELDS: dict[str, Any] = {f.name: f for f in fields(Protocol)}
#: ``reference`` names the code followed; an override changes the conventions, not the citation.
_OVERRIDABLE: tuple[str, ...] = tuple(name for name in _FIELDS if name != "reference")


def jsonable(value: Any) -> Any:
    """A protocol value as standard JSON: tuples as lists, an infinite bound as the string ``"inf"``."""
    if isinstance(value, (tuple, list)):
        return [jsonable(item) for item in value]
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _number(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:g}"


def _problems(p: Protocol) -> list[str]:
    out = []
    if not 0 <= p.min_depth < p.max_depth:
        out.append(f"need 0 <= min_depth < max_depth, got {p.min_depth}, {p.max_depth}")
    if p.gt_range is not None and (len(p.gt_range) != 2 or not 0 <= p.gt_range[0] < p.gt_range[1]):
        out.append(f"gt_range must be (low, high) with 0 <= low < high, got {p.gt_range}")
    if p.crop is not None:
        from udebench.evaluation.protocol import CROPS  # no torch at import

        if p.crop not in CROPS:
            out.append(f"crop {p.crop!r}: choose one of {', '.join(CROPS)} or none")
    for name, allowed in (("upsample_mode", UPSAMPLE_MODES), ("upsample_space", SPACES), ("median", MEDIANS),
                          ("input_resample", INPUT_RESAMPLES), ("flip_pp_space", SPACES)):
        if getattr(p, name) not in allowed:
            out.append(f"{name} {getattr(p, name)!r}: choose one of {', '.join(allowed)}")
    size = p.input_size
    if isinstance(size, str):
        if size not in INPUT_POLICIES:
            out.append(f"input_size {size!r}: choose model, as_given or HEIGHTxWIDTH")
    elif len(size) != 2 or not all(isinstance(side, int) and side > 0 for side in size):
        out.append(f"input_size {size!r}: a fixed size is (height, width) in pixels")
    if p.upsample_mode == "nearest" and p.align_corners:
        out.append("align_corners applies to bilinear upsampling only")
    return out


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"{text!r} is not true or false")


def _parse_size(text: str) -> str | tuple[int, int]:
    lowered = text.strip().lower()
    if lowered in INPUT_POLICIES:
        return lowered
    height, sep, width = lowered.partition("x")
    if not sep:
        raise ValueError(f"{text!r} is not model, as_given or HEIGHTxWIDTH (e.g. 320x576)")
    return int(height), int(width)


def _parse_range(text: str) -> tuple[float, float] | None:
    if text.strip().lower() == "none":
        return None
    low, sep, high = text.partition(",")
    if not sep:
        raise ValueError(f"{text!r} is not LOW,HIGH (e.g. 0,inf) or none")
    return float(low), float(high)


_PARSERS = {
    "min_depth": float, "max_depth": float, "gt_range": _parse_range,
    "crop": lambda text: None if text.strip().lower() == "none" else text.strip(),
    "align_corners": _parse_bool, "flip_pp": _parse_bool, "input_size": _parse_size,
}


def parse_override(text: str) -> tuple[str, Any]:
    """``"key=value"`` → ``(key, typed value)``; ValueError saying what is wrong (the CLI makes it one line)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"{text!r} is not KEY=VALUE (e.g. median=torch)")
    if key not in _OVERRIDABLE:
        raise ValueError(f"unknown protocol key {key!r}; known: {', '.join(_OVERRIDABLE)}")
    try:
        value = _PARSERS.get(key, str.strip)(raw)
    except ValueError as exc:
        raise ValueError(f"{key}: {exc}") from None
    return key, value


def parse_overrides(texts: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """Several ``key=value`` texts → one dict (the last wins for a repeated key)."""
    return dict(parse_override(text) for text in texts)
