"""What plugins register: small frozen dataclasses, no heavy imports."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from udebench.evaluation.protocol_spec import Protocol

OutputKind = Literal["metric_depth", "relative_depth", "affine_disparity", "affine_depth"]
OUTPUT_KINDS: tuple[str, ...] = ("metric_depth", "relative_depth", "affine_disparity", "affine_depth")

#: alignment used when the user gives no --align, by what the model predicts.
DEFAULT_ALIGNMENT: dict[str, str] = {
    "metric_depth": "none",
    "relative_depth": "median",
    "affine_disparity": "lstsq_disparity",
    "affine_depth": "lstsq_depth",
}


def name_problem(name: Any) -> str | None:
    """Why ``name`` cannot be registered, or None: names are non-empty strings without whitespace, ``,`` (lists
    on the command line are comma-separated) or ``@`` (it marks translated splits ``<split>@<translator>-<c>``)."""
    if not isinstance(name, str) or not name:
        return "must be a non-empty string"
    bad = sorted({c for c in name if c.isspace() or c in ",@"})
    if bad:
        return f"must not contain {' or '.join(repr(c) for c in bad)}"
    return None


@dataclass(frozen=True)
class ModelSpec:
    """A depth model a plugin offers.

    ``factory(weights=None, device=None)`` builds a :class:`udebench.model.DepthModel`;
    it is only called when the model is used, so registering stays cheap.
    """

    name: str
    factory: Callable[..., Any]
    output: OutputKind
    description: str = ""
    #: (height, width) the network runs at; None = the image's own size.
    input_size: tuple[int, int] | None = None
    #: both sides of a network input must be multiples of this (a ViT's patch size, 14): when a split's protocol
    #: fixes the input size (md4all's 320x576, KITTI-C's 640x192 as given) the engine rounds it to the nearest.
    input_multiple: int = 1
    #: environment variable that may name a weights file.
    weights_env: str | None = None
    #: accepted --weights forms, for the docs ("safetensors file", "HF folder", ...).
    weights_help: str = ""
    #: False for a model without weights (a prior, an oracle): ``--weights`` is then an error, not ignored.
    accepts_weights: bool = True
    #: ``network(seed=None, **arch)`` → a randomly initialised :class:`udebench.networks.TrainableNetwork`, so
    #: trainers can train this architecture; None when the plugin offers no training.
    network: Callable[..., Any] | None = None
    #: ``test_weights(folder: Path) -> str``: writes a tiny, randomly initialised checkpoint in the model's REAL
    #: on-disk layout under ``folder`` and returns what to pass as ``--weights``; the conformance kit
    #: (``udebench plugins --check``) and tests load it through the ordinary factory. None: the factory needs no
    #: weights, or works without any (shipped defaults).
    test_weights: Callable[..., str] | None = None

    def __post_init__(self) -> None:
        if self.output not in OUTPUT_KINDS:
            raise ValueError(f"model {self.name!r}: output must be one of {OUTPUT_KINDS}, not {self.output!r}")
        if self.input_multiple < 1:
            raise ValueError(f"model {self.name!r}: input_multiple must be >= 1, not {self.input_multiple}")

    @property
    def default_alignment(self) -> str:
        return DEFAULT_ALIGNMENT[self.output]


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset family (synth, nuscenes, ...): where its data lives and how to get it."""

    name: str
    description: str = ""
    #: sub-folder of the data root, or None for generated data.
    folder: str | None = None
    how_to_get: str = ""


@dataclass(frozen=True)
class AdverseCondition:
    """A split's place in the robustness scores (RoboDepth's DEE, mCE, mRR).

    The split is one adverse ``condition`` of ``group`` (at ``severity`` for graded corruptions such as KITTI-C's
    1-5, whose levels are averaged as RoboDepth does), scored against the group's ``clean_split``: its resilience
    (mRR) against the same model there, its corruption error (mCE) against a reference model.
    """

    group: str
    clean_split: str
    condition: str
    severity: int | None = None


@dataclass(frozen=True)
class SplitSpec:
    """An evaluation (or training) split.

    ``factory(data_root=None, **options)`` returns a sized sequence of sample dicts:
    ``sample_id: str, image: uint8 HxWx3, depth: float32 HxW (m, 0 = invalid),
    intrinsics: 3x3 float, condition: str``.
    """

    name: str
    factory: Callable[..., Sequence[dict[str, Any]]]
    dataset: str
    condition: str
    description: str = ""
    expected_count: int | None = None
    #: ``check(data_root=None) -> DataCheck``: is the data there, how many samples, what is missing.
    check: Callable[..., DataCheck] | None = None
    #: the adverse condition this split is in robustness scores; None for a clean split or one outside any group.
    adverse: AdverseCondition | None = None
    #: every convention that changes a number (GT caps, crop, upsampling, median, network input size, ...) and
    #: the reference code it follows; ``udebench protocol SPLIT`` prints it. Translated splits inherit it.
    protocol: Protocol = field(default_factory=Protocol)

    # shortcuts to the protocol's caps and crop (the protocol is the one definition)
    @property
    def min_depth(self) -> float:
        return self.protocol.min_depth

    @property
    def max_depth(self) -> float:
        return self.protocol.max_depth

    @property
    def eval_crop(self) -> str | None:
        return self.protocol.crop


@dataclass
class DataCheck:
    """What ``udebench data check SPLIT`` reports: presence and counts against the manifest."""

    split: str
    ok: bool
    where: str
    found: int | None = None
    expected: int | None = None
    #: human-readable missing items (files, folders, sample ids), the first few
    missing: list[str] = field(default_factory=list)
    advice: str = ""

    def summary(self) -> str:
        counts = f"{self.found if self.found is not None else '?'}/{self.expected if self.expected else '?'} samples"
        head = f"{self.split}: {'ok' if self.ok else 'MISSING DATA'} ({counts}) at {self.where}"
        return head if self.ok or not self.advice else f"{head}; {self.advice}"


def arrow(higher_is_better: bool | None) -> str:
    """↑ for a metric where higher is better, ↓ where lower is, nothing when unknown."""
    if higher_is_better is None:
        return ""
    return "↑" if higher_is_better else "↓"


@dataclass(frozen=True)
class MetricSpec:
    """A per-image metric ``fn(pred, gt, valid) -> Tensor[B]``."""

    name: str
    fn: Callable[..., Any]
    higher_is_better: bool
    description: str = ""

    @property
    def arrow(self) -> str:
        return arrow(self.higher_is_better)


@dataclass(frozen=True)
class TranslatorSpec:
    """Turns images of one condition into another (GDT, physics, corruptions).

    ``factory(seed=0, **options)`` returns a :class:`udebench.translate.contract.Translator` (or a plain
    per-image callable, which udebench wraps into one).
    """

    name: str
    factory: Callable[..., Any]
    conditions: tuple[str, ...] = ()
    description: str = ""
    #: as ``ModelSpec.test_weights``: tiny random weights in the real layout, for the conformance kit and tests;
    #: the factory then takes them as ``weights=PATH``.
    test_weights: Callable[..., str] | None = None
    #: factory options the conformance kit builds it with beside its test weights (a small size, few steps), so a
    #: check takes seconds; e.g. ``{"size": 64, "steps": 2}``.
    test_options: Mapping[str, Any] = field(default_factory=dict)
    #: True: ``<split>@<name>-<condition>`` translates on the fly when ``udebench translate`` has not stored it.
    #: False (a diffusion model: minutes per image on a CPU): reading such a split needs it stored first.
    cheap: bool = True


@dataclass(frozen=True)
class TrainerSpec:
    """A training recipe ``factory(config) -> runner-like object with .train()``."""

    name: str
    factory: Callable[..., Any]
    description: str = ""


@dataclass(frozen=True)
class Registered:
    """One registration: the spec and the distribution (or plugin) that provided it."""

    spec: Any
    provider: str
