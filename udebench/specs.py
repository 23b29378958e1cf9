"""What plugins register: small frozen dataclasses, no heavy imports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

OutputKind = Literal["metric_depth", "relative_depth", "affine_disparity", "affine_depth"]
OUTPUT_KINDS: tuple[str, ...] = ("metric_depth", "relative_depth", "affine_disparity", "affine_depth")

#: alignment used when the user gives no --align, by what the model predicts.
DEFAULT_ALIGNMENT: dict[str, str] = {
    "metric_depth": "none",
    "relative_depth": "median",
    "affine_disparity": "lstsq_disparity",
    "affine_depth": "lstsq_depth",
}


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
    min_depth: float = 1e-3
    max_depth: float = 80.0
    #: crop applied to the valid mask before scoring, e.g. "garg" for KITTI Eigen.
    eval_crop: str | None = None
    description: str = ""
    expected_count: int | None = None
    #: ``check(data_root=None) -> DataCheck``: is the data there, how many samples, what is missing.
    check: Callable[..., DataCheck] | None = None


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

    kind: str
    spec: Any
    provider: str
    extra: dict[str, Any] = field(default_factory=dict)
