"""The public plugin API: everything a udebench plugin may import, in one module.

Bundled plugins (``plugins/*``) import only from here and from ``udebench``'s top-level names,
exactly like a third-party plugin (a test enforces it). Importing this module is cheap: torch,
numpy and mmengine are imported only by the functions that need them.

Registering (see ``docs/plugins.md`` for the tutorial and every field):

* :data:`hookimpl` marks the hook functions: ``register_models``, ``register_datasets``,
  ``register_splits``, ``register_translators``, ``register_trainers``, ``register_metrics``
  (each receives a ``register`` callback) and ``register_commands(cli)``;
* the specs: :class:`ModelSpec`, :class:`DatasetSpec`, :class:`SplitSpec`, :class:`TranslatorSpec`,
  :class:`TrainerSpec`, :class:`MetricSpec` (and :class:`DataCheck` for data checks, :class:`AdverseCondition`
  for a split's place in the robustness scores);
* :class:`Protocol`: a split's evaluation conventions (GT caps and crop, upsampling, median, network
  input size, ...) and the reference code they follow, held by ``SplitSpec.protocol``.

Contracts: :class:`DepthModel` (what a model factory returns), :class:`TrainableNetwork` (what
``ModelSpec.network`` builds, so trainers can train it), :class:`Translator` / :class:`ImageTranslator`,
:class:`Trainer`, :class:`Sample` / :class:`Split`.

Helpers: :func:`get_split`, :func:`load_model`, :func:`model_spec`, :func:`translator_spec`,
:func:`build_translator`, :func:`open_translations` (a stored translated training set, read by sample id),
:func:`resolve_device`, :func:`progress_bar`, :func:`sha256_of`, :func:`write_card` / :func:`read_card` (JSON
model cards), :func:`normalize_index`, :func:`read_rgb`, :func:`sample_seed`, :func:`fit_alignment` (the
evaluation's per-image median / least-squares alignment), and the errors users see as one line
(:class:`UdebenchError`, ...).

A plugin's tests may also use :mod:`udebench.testing`, the conformance kit
(``assert_plugin_conforms(my_plugin)``; ``udebench plugins --check`` from the shell).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from udebench.errors import CorruptSampleError, DataNotFoundError, UdebenchError
from udebench.evaluation.alignment import fit_alignment
from udebench.evaluation.protocol_spec import Protocol
from udebench.hookspecs import hookimpl
from udebench.model import DepthModel
from udebench.networks import TrainableNetwork, sigmoid_to_depth, sigmoid_to_disp
from udebench.progress import ProgressBar, progress_bar
from udebench.samples import Sample, Split, sample_problems
from udebench.specs import (
    DEFAULT_ALIGNMENT,
    OUTPUT_KINDS,
    AdverseCondition,
    DataCheck,
    DatasetSpec,
    MetricSpec,
    ModelSpec,
    OutputKind,
    SplitSpec,
    TrainerSpec,
    TranslatorSpec,
)
from udebench.training import Trainer
from udebench.translate.contract import ImageTranslator, Translator, as_translator, batch_seeds, sample_seed

if TYPE_CHECKING:
    from collections.abc import Mapping

    from udebench.translate.reader import TranslationReader

__all__ = [
    "DEFAULT_ALIGNMENT",
    "AdverseCondition",
    "OUTPUT_KINDS",
    "CorruptSampleError",
    "DataCheck",
    "DataNotFoundError",
    "DatasetSpec",
    "DepthModel",
    "ImageTranslator",
    "MetricSpec",
    "ModelSpec",
    "OutputKind",
    "ProgressBar",
    "Protocol",
    "Sample",
    "Split",
    "SplitSpec",
    "TrainableNetwork",
    "Trainer",
    "TrainerSpec",
    "Translator",
    "TranslatorSpec",
    "UdebenchError",
    "as_translator",
    "batch_seeds",
    "build_translator",
    "fit_alignment",
    "get_split",
    "hookimpl",
    "load_model",
    "model_spec",
    "translator_spec",
    "write_card",
    "normalize_index",
    "open_translations",
    "progress_bar",
    "read_card",
    "read_rgb",
    "resolve_device",
    "sample_problems",
    "sample_seed",
    "sha256_of",
    "sigmoid_to_depth",
    "sigmoid_to_disp",
]


def get_split(name: str, data_root: str | None = None, **options: Any) -> Split:
    """The samples of the registered (or translated) split ``name``."""
    from udebench.api import get_split as _get_split

    return _get_split(name, data_root=data_root, **options)


def load_model(name: str, weights: str | None = None, device: str | None = None) -> DepthModel:
    """The registered model ``name`` built by its factory (``weights``: a path, else its default)."""
    from udebench.api import load_model as _load_model

    return _load_model(name, weights=weights, device=device)


def model_spec(name: str) -> ModelSpec:
    """The :class:`ModelSpec` registered as ``name`` (e.g. a trainer building ``spec.network``)."""
    from udebench.plugins import lookup

    return lookup("models", name)


def translator_spec(name: str) -> TranslatorSpec:
    """The :class:`TranslatorSpec` registered as ``name`` (its conditions, whether it is ``cheap``, ...)."""
    from udebench.plugins import lookup

    return lookup("translators", name)


def build_translator(name: str, seed: int = 0, **options: Any) -> Translator:
    """The registered translator ``name`` with ``options``, offering the whole :class:`Translator` contract."""
    from udebench.api import build_translator as _build_translator

    return _build_translator(name, seed=seed, **options)


def open_translations(source_split: str, translator: str, condition: str, *, seed: int = 0,
                      split_options: Mapping[str, Any] | None = None, data_root: str | None = None,
                      **options: Any) -> TranslationReader:
    """The images ``udebench translate`` stored for ``source_split`` (built with ``split_options``) translated
    by ``translator`` into ``condition`` with ``seed``, read by sample id, so a trainer reuses a translated
    training set made once (e.g. GDT on a GPU) instead of translating on the fly.

    ``options``: only a set whose resolved translator options hold these values (the latest such run
    wins). The reader's ``get(sample_id)`` returns a ``uint8 HxWx3`` image, or None for a sample the set
    does not hold; ``key`` (the set's content address) and ``identity`` (translator, version, options,
    weights sha256, seed) say what made the images. No stored set: a one-line UdebenchError naming the
    ``udebench translate`` command that makes it.
    """
    from udebench.translate.reader import open_translations as _open_translations

    return _open_translations(source_split, translator, condition, seed=seed, split_options=split_options,
                              data_root=data_root, **options)


def resolve_device(device: str | None) -> str:
    """``device`` checked (one-line error for a bad or absent one), else ``cuda`` when present, else ``cpu``."""
    from udebench.devices import resolve_device as _resolve_device

    return _resolve_device(device)


def write_card(weights_file: str, card: dict[str, Any]) -> Any:
    """Write a JSON model card (training provenance, metrics) beside a weights file as ``<name>.json``."""
    from udebench.weights import write_card as _write_card

    return _write_card(weights_file, card)


def read_card(weights_file: str) -> dict[str, Any] | None:
    """The ``<name>.json`` model card beside a weights file, or None."""
    from udebench.weights import read_card as _read_card

    return _read_card(weights_file)


def sha256_of(path: str) -> str:
    """sha256 of a weights file, or of a folder's weight files in name order (recorded with every run)."""
    from udebench.weights import sha256_of as _sha256_of

    return _sha256_of(path)


def normalize_index(index: int, length: int) -> int:
    """``index`` in ``[0, length)`` (negative counts from the end); IndexError past either end."""
    from udebench.data.indexing import normalize_index as _normalize_index

    return _normalize_index(index, length)


def read_rgb(path: str) -> Any:
    """An image file as ``uint8 HxWx3`` RGB; a missing file is DataNotFoundError, a broken one CorruptSampleError."""
    from udebench.data.image_files import read_rgb as _read_rgb

    return _read_rgb(path)
