"""The conformance kit: does a plugin's model, translator, metric and split keep udebench's contracts?

From a plugin's own pytest (this is what ``udebench new-plugin`` generates)::

    import my_plugin.plugin
    from udebench.testing import assert_plugin_conforms

    def test_my_plugin_conforms():
        assert_plugin_conforms(my_plugin.plugin)

From the shell: ``udebench plugins --check [NAME]`` (one line per checked thing, exit 1 on a failure).

Each ``check_*`` function runs one registered thing on small seeded inputs and returns a list of
:class:`Finding` (one per check: ``ok``, ``failed`` or ``skipped``, with what was seen); nothing is
printed or raised for a broken plugin, so a report can show every problem at once.

* a model is built by its own factory — from ``ModelSpec.test_weights(tmpdir)`` when set (tiny random
  weights in the real on-disk layout), else without weights; a model that needs weights and has no
  ``test_weights`` is *skipped* ("needs --weights") — and run on a ``[2, 3, 54, 96]`` batch in [0, 1]:
  a tensor ``[B, h, w]`` (or ``[B, 1, h, w]``), floating point, on the requested device, finite, of its
  declared kind (depth > 0; affine kinds ≥ 0), the same twice (eval mode), the same for an image
  alone as in the batch;
* a translator, built likewise (``TranslatorSpec.test_weights`` → ``weights=PATH``), on a uint8
  image: same shape and dtype, input untouched, equal for equal seeds, ``translate_batch`` equal to the
  single call per image (up to uint8 rounding);
* a metric on random tensors: shape ``[B]``, NaN for an image without a valid pixel, finite
  otherwise, each image's value independent of the batch, inputs untouched, ``higher_is_better``
  agreeing with a perfect versus a noisy prediction;
* a split's first sample (:func:`udebench.samples.sample_problems`: keys, dtypes, shapes, metres),
  its condition and ``sample_ids``; a split whose data is absent is *skipped*
  ("data not found at ..."), not failed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from udebench.errors import DataNotFoundError

if TYPE_CHECKING:
    import torch

__all__ = [
    "CHECKED_KINDS",
    "Finding",
    "assert_conforms",
    "assert_plugin_conforms",
    "check",
    "check_metric",
    "check_model",
    "check_plugin",
    "check_split",
    "check_translator",
    "items_to_check",
    "plugin_registered",
    "registered_by",
    "report_lines",
]

Outcome = Literal["ok", "failed", "skipped"]

#: registry kinds the kit checks (datasets and trainers have no runnable contract to check here).
CHECKED_KINDS: tuple[str, ...] = ("models", "translators", "metrics", "splits")

#: the dummy batch: two images at nuScenes' aspect ratio, a size no network was built for (the adapter resizes).
MODEL_BATCH: tuple[int, int, int, int] = (2, 3, 54, 96)
#: relative tolerance of "the same" for model outputs (GPU kernels may pick other algorithms per batch size).
MODEL_RTOL = 1e-4
#: metric depth above this many metres is taken for millimetres or an unscaled output.
MAX_METRIC_DEPTH = 1000.0
TRANSLATOR_IMAGE: tuple[int, int] = (48, 64)
METRIC_BATCH: tuple[int, int, int] = (3, 8, 10)


@dataclass(frozen=True)
class Finding:
    """One check of one registered thing: ``kind`` ("model", ...), ``name``, what was checked, the outcome."""

    kind: str
    name: str
    check: str
    outcome: Outcome
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"

    def line(self) -> str:
        tail = f" ({self.detail})" if self.detail else ""
        return f"{self.outcome:<7} {self.kind} {self.name}: {self.check}{tail}"


class _Findings:
    """Collects the findings of one thing; ``fail``/``ok``/``skip`` read like the checks they record."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind, self.name = kind, name
        self.items: list[Finding] = []

    def ok(self, check: str, detail: str = "") -> None:
        self.items.append(Finding(self.kind, self.name, check, "ok", detail))

    def fail(self, check: str, detail: str) -> None:
        self.items.append(Finding(self.kind, self.name, check, "failed", detail))

    def skip(self, check: str, detail: str) -> None:
        self.items.append(Finding(self.kind, self.name, check, "skipped", detail))

    def expect(self, condition: bool, check: str, detail: str) -> bool:
        """Record ``check`` as ok, or failed with ``detail``; returns ``condition``."""
        if condition:
            self.ok(check)
        else:
            self.fail(check, detail)
        return condition


def _error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


# --------------------------------------------------------------------------------------------- models


def check_model(name: str, *, weights: str | None = None, device: str = "cpu") -> list[Finding]:
    """Build model ``name`` (``weights``, else its ``test_weights``, else none) and check the DepthModel contract."""
    import torch

    from udebench.model import DepthModel
    from udebench.plugins import lookup

    spec = lookup("models", name)
    found = _Findings("model", name)
    with tempfile.TemporaryDirectory(prefix="udebench-check-") as tmp:
        model = _build_model(spec, weights, device, Path(tmp), found)
        if model is None:
            return found.items
        if not found.expect(isinstance(model, DepthModel), "factory returns a DepthModel",
                            f"got {type(model).__name__}; wrap the network in udebench.plugin.DepthModel"):
            return found.items
        found.expect(model.spec.name == spec.name and model.spec.output == spec.output, "declares its registered spec",
                     f"its spec says {model.spec.name!r}/{model.spec.output}, registered {spec.name!r}/{spec.output}")
        generator = torch.Generator().manual_seed(0)
        images = torch.rand(MODEL_BATCH, generator=generator).to(device)
        intrinsics = _dummy_intrinsics(MODEL_BATCH[0], *MODEL_BATCH[2:]).to(device)
        try:
            out = model.predict(images, intrinsics)
        except Exception as exc:
            found.fail("predicts a batch", f"predict on a {list(MODEL_BATCH)} batch raised {_error(exc)}")
            return found.items
        if not _check_output(found, out, spec.output, device):
            return found.items
        again = model.predict(images, intrinsics)
        found.expect(_close(again, out), "deterministic in eval mode",
                     f"two calls differ by {_max_relative_difference(again, out):.2e} (dropout or BatchNorm in train "
                     "mode? DepthModel puts the module in eval mode; random draws in forward?)")
        alone = model.predict(images[1:2], intrinsics[1:2])
        found.expect(_close(alone, out[1:2]), "batch-size invariant",
                     f"an image alone differs from the same image in a batch of {MODEL_BATCH[0]} by "
                     f"{_max_relative_difference(alone, out[1:2]):.2e} (statistics over the batch?)")
    return found.items


def _build_model(spec: Any, weights: str | None, device: str, tmp: Path, found: _Findings) -> Any:
    """The model from its factory, through :func:`udebench.api.load_model`; None (with a finding) when not built."""
    from udebench.api import load_model

    if weights is None and spec.test_weights is not None:
        try:
            weights = str(spec.test_weights(tmp))
        except Exception as exc:
            found.fail("test_weights writes a checkpoint", _error(exc))
            return None
        how = "from its test_weights"
    else:
        how = "from --weights" if weights is not None else "without weights"
    try:
        model = load_model(spec.name, weights=weights, device=device)
    except Exception as exc:
        if weights is None:
            found.skip("needs --weights", f"its factory failed without weights ({_error(exc)}) and the ModelSpec "
                       "sets no test_weights: pass --weights PATH, or give the spec a test_weights")
        else:
            found.fail(f"builds {how}", _error(exc))
        return None
    found.ok(f"builds {how}")
    return model


def _dummy_intrinsics(batch: int, height: int, width: int) -> torch.Tensor:
    import torch

    k = torch.tensor([[0.6 * width, 0.0, width / 2.0], [0.0, 0.6 * width, height / 2.0], [0.0, 0.0, 1.0]])
    return k.expand(batch, 3, 3).clone()


def _check_output(found: _Findings, out: Any, kind: str, device: str) -> bool:
    """Shape, dtype, device, finiteness and sign of a prediction; False when later checks make no sense."""
    import torch

    if not found.expect(isinstance(out, torch.Tensor), "returns a tensor", f"predict returned {type(out).__name__}"):
        return False
    shape = tuple(out.shape)
    good_shape = (out.dim() == 3 or (out.dim() == 4 and shape[1] == 1)) and shape[0] == MODEL_BATCH[0] and out.numel()
    if not found.expect(bool(good_shape), "output shape [B,h,w]",
                        f"got {list(shape)} for a batch of {MODEL_BATCH[0]}; return [B,h,w] or [B,1,h,w]"):
        return False
    found.expect(out.is_floating_point(), "floating-point output", f"got {out.dtype}")
    found.expect(out.device.type == torch.device(device).type, f"output on {device}",
                 f"got {out.device}; DepthModel.predict moves the input to the module's device: keep the output there")
    finite = torch.isfinite(out)
    if not found.expect(bool(finite.all()), "finite output",
                        f"{int((~finite).sum())} of {out.numel()} values are NaN or infinite"):
        return False
    low = float(out.min())
    if kind in ("metric_depth", "relative_depth"):
        found.expect(low > 0, f"positive {kind}", f"minimum {low:.4g}; depth must be > 0 (disparity? declare "
                     "output='affine_disparity')")
    else:
        found.expect(low >= 0 and float(out.max()) > 0, f"non-negative {kind}", f"range [{low:.4g}, "
                     f"{float(out.max()):.4g}]")
    if kind == "metric_depth":
        high = float(out.max())
        found.expect(high <= MAX_METRIC_DEPTH, "metric depth in metres",
                     f"maximum {high:.4g} > {MAX_METRIC_DEPTH:g}: millimetres, or an unscaled output?")
    return True


def _max_relative_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    if tuple(a.shape) != tuple(b.shape):
        return float("inf")
    scale = float(b.abs().max()) or 1.0
    return float((a.float() - b.float()).abs().max()) / scale


def _close(a: Any, b: Any) -> bool:
    return _max_relative_difference(a, b) <= MODEL_RTOL


# ----------------------------------------------------------------------------------------- translators


def check_translator(name: str, *, weights: str | None = None) -> list[Finding]:
    """Build translator ``name`` (with ``weights``, else its ``test_weights``) and check the Translator contract."""
    import numpy as np
    import torch

    from udebench.plugins import lookup
    from udebench.translate.contract import Translator

    spec = lookup("translators", name)
    found = _Findings("translator", name)
    with tempfile.TemporaryDirectory(prefix="udebench-check-") as tmp:
        translator = _build_translator(spec, weights, Path(tmp), found)
        if translator is None:
            return found.items
        if not found.expect(isinstance(translator, Translator), "offers the Translator contract",
                            "needs name, version, conditions, needs_depth, __call__ and translate_batch "
                            "(subclass udebench.plugin.ImageTranslator)"):
            return found.items
        conditions = tuple(spec.conditions) or tuple(translator.conditions) or ("night",)
        if spec.conditions and translator.conditions:
            found.expect(tuple(translator.conditions) == tuple(spec.conditions), "conditions match the spec",
                         f"translator says {', '.join(translator.conditions)}; spec says {', '.join(spec.conditions)}")
        condition = conditions[0]
        height, width = TRANSLATOR_IMAGE
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, (2, height, width, 3), dtype=np.uint8)
        depth = np.linspace(2.0, 60.0, height * width, dtype=np.float32).reshape(height, width)
        depth_arg = depth if translator.needs_depth else None
        original = images[0].copy()
        try:
            out = translator(images[0], condition, depth=depth_arg, seed=7)
        except Exception as exc:
            found.fail("translates a uint8 image", f"condition {condition!r} raised {_error(exc)}")
            return found.items
        out = np.asarray(out)
        if not found.expect(out.shape == original.shape and out.dtype == np.uint8, "uint8 HxWx3 of the input's size",
                            f"got {out.dtype} {out.shape} for uint8 {original.shape}"):
            return found.items
        found.expect(np.array_equal(images[0], original), "leaves its input unchanged",
                     "the input array was modified in place")
        again = np.asarray(translator(images[0], condition, depth=depth_arg, seed=7))
        found.expect(np.array_equal(again, out), "equal seeds give equal images",
                     f"two calls with seed=7 differ in {int((again != out).sum())} values (draw every random number "
                     "from the seed)")
        seeds = [7, 8]
        batch = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0
        depth_batch = torch.from_numpy(depth)[None, None].expand(2, 1, height, width) if depth_arg is not None else None
        try:
            batched = translator.translate_batch(batch, condition, depth=depth_batch, seeds=seeds)
        except Exception as exc:
            found.fail("translate_batch", f"raised {_error(exc)}")
            return found.items
        if not found.expect(isinstance(batched, torch.Tensor) and tuple(batched.shape) == tuple(batch.shape),
                            "translate_batch keeps [B,3,H,W]",
                            f"got {getattr(batched, 'shape', type(batched).__name__)} for {list(batch.shape)}"):
            return found.items
        worst = 0.0
        for i, seed in enumerate(seeds):
            single = np.asarray(translator(images[i], condition, depth=depth_arg, seed=seed)).astype(np.float64)
            as_uint8 = batched[i].detach().float().cpu().permute(1, 2, 0).numpy().astype(np.float64) * 255.0
            worst = max(worst, float(np.abs(as_uint8 - single).max()))
        found.expect(worst <= 1.0, "batch equals single calls",
                     f"image i of translate_batch(seeds) differs from translator(image_i, seed=seeds[i]) by up to "
                     f"{worst:.1f}/255")
    return found.items


def _build_translator(spec: Any, weights: str | None, tmp: Path, found: _Findings) -> Any:
    from udebench.api import build_translator

    options: dict[str, Any] = dict(spec.test_options)
    if weights is None and spec.test_weights is not None:
        try:
            weights = str(spec.test_weights(tmp))
        except Exception as exc:
            found.fail("test_weights writes a checkpoint", _error(exc))
            return None
    if weights is not None:
        options["weights"] = weights
    try:
        translator = build_translator(spec.name, seed=0, **options)
    except Exception as exc:
        if weights is None:
            found.skip("needs weights", f"its factory failed without options ({_error(exc)}) and the TranslatorSpec "
                       "sets no test_weights")
        else:
            found.fail("builds", _error(exc))
        return None
    found.ok("builds from its test_weights" if "weights" in options else "builds")
    return translator


# --------------------------------------------------------------------------------------------- metrics


def check_metric(name: str) -> list[Finding]:
    """Call metric ``name`` on random depths: shape ``[B]``, the NaN rule, per-image values, its direction."""
    import torch

    from udebench.plugins import lookup

    spec = lookup("metrics", name)
    found = _Findings("metric", name)
    batch, height, width = METRIC_BATCH
    generator = torch.Generator().manual_seed(0)
    gt = 1.0 + 79.0 * torch.rand(METRIC_BATCH, generator=generator)
    noisy = gt * torch.exp(0.5 * torch.randn(METRIC_BATCH, generator=generator))
    valid = torch.rand(METRIC_BATCH, generator=generator) > 0.3
    valid[1] = False  # image 1 has no valid pixel: every metric is NaN there

    def call(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return torch.as_tensor(spec.fn(pred, target, mask)).detach().cpu().to(torch.float64)

    inputs = (noisy.clone(), gt.clone(), valid.clone())
    try:
        values = call(*inputs)
    except Exception as exc:
        found.fail("runs on a [B,H,W] batch", f"fn(pred, gt, valid) raised {_error(exc)}")
        return found.items
    if not found.expect(tuple(values.shape) == (batch,), "one value per image, shape [B]",
                        f"got shape {list(values.shape)} for B={batch}"):
        return found.items
    found.expect(all(torch.equal(a, b) for a, b in zip(inputs, (noisy, gt, valid), strict=True)),
                 "leaves its inputs unchanged", "pred, gt or valid was modified in place")
    found.expect(bool(torch.isnan(values[1])), "NaN for an image without a valid pixel",
                 f"got {float(values[1])!r}; return NaN so the mean skips the image and counts it")
    found.expect(bool(torch.isfinite(values[[0, 2]]).all()), "finite where pixels are valid",
                 f"got {values[[0, 2]].tolist()}")
    alone = call(noisy[2:], gt[2:], valid[2:])
    found.expect(alone.shape == (1,) and torch.allclose(alone, values[2:], rtol=1e-6, atol=1e-9, equal_nan=True),
                 "each image's value ignores the other images", f"image 2 alone gives {alone.tolist()}, in the "
                 f"batch {float(values[2])!r}")
    second = call(noisy, gt, valid)
    found.expect(torch.allclose(second, values, rtol=0.0, atol=0.0, equal_nan=True), "deterministic",
                 f"two calls give {values.tolist()} and {second.tolist()}")
    perfect = call(gt.clone(), gt.clone(), valid.clone())
    pairs = [(float(perfect[i]), float(values[i])) for i in (0, 2)]
    agrees = all((p >= v) if spec.higher_is_better else (p <= v) for p, v in pairs)
    found.expect(agrees, "higher_is_better agrees with its values",
                 f"pred = gt scores {[p for p, _ in pairs]}, a noisy pred {[v for _, v in pairs]}, but "
                 f"higher_is_better={spec.higher_is_better}")
    return found.items


# ---------------------------------------------------------------------------------------------- splits


def check_split(name: str, *, data_root: str | None = None) -> list[Finding]:
    """Open split ``name`` and check its first sample; absent data is skipped and says where it belongs."""
    import numpy as np

    from udebench.api import get_split
    from udebench.plugins import lookup
    from udebench.samples import sample_problems

    spec = lookup("splits", name)
    found = _Findings("split", name)
    try:
        split = get_split(name, data_root=data_root)
        count = len(split)
        sample = split[0] if count else None
    except DataNotFoundError as exc:
        root = data_root or os.environ.get("UDEBENCH_DATA_ROOT")
        why = _error(exc)[:200] if root else "no data root: pass --data-root DIR or set UDEBENCH_DATA_ROOT"
        found.skip("data not found at " + _data_location(spec, root), why)
        return found.items
    except Exception as exc:
        found.fail("opens and reads its first sample", _error(exc))
        return found.items
    if not found.expect(sample is not None, "has samples", "len(split) is 0"):
        return found.items
    problems = sample_problems(sample)
    if not found.expect(not problems, "first sample keeps the Sample contract", "; ".join(problems)):
        return found.items
    found.expect(sample["condition"] == spec.condition, "condition matches the spec",
                 f"sample says {sample['condition']!r}, SplitSpec says {spec.condition!r}")
    ids = getattr(split, "sample_ids", None)
    if ids is not None:
        ids = list(ids)
        found.expect(len(ids) == count and str(ids[0]) == sample["sample_id"], "sample_ids match the samples",
                     f"{len(ids)} ids for {count} samples, first {ids[0] if ids else None!r} vs "
                     f"{sample['sample_id']!r}")
    depth = np.asarray(sample["depth"], dtype=np.float64)
    in_caps = int(((depth > spec.min_depth) & (depth < spec.max_depth)).sum())
    found.expect(in_caps > 0, "ground truth within the split's caps",
                 f"no pixel of the first sample in ({spec.min_depth:g}, {spec.max_depth:g}) m: wrong units?")
    config = getattr(split, "config", None)
    if config is not None:
        try:
            json.dumps(config)
            found.ok("config is JSON")
        except (TypeError, ValueError) as exc:
            found.fail("config is JSON", f"split.config cannot be stored with the run: {exc}")
    return found.items


def _data_location(spec: Any, data_root: str | None) -> str:
    """Where the split's data belongs: ``<data root>/<dataset folder>``."""
    from udebench.plugins import registry

    dataset = registry()["datasets"].get(spec.dataset)
    folder = dataset.spec.folder if dataset is not None and dataset.spec.folder else ""
    root = data_root or "$UDEBENCH_DATA_ROOT"
    return f"{root}/{folder}" if folder else root


# ------------------------------------------------------------------------------------------- plugins


def check(kind: str, name: str, *, data_root: str | None = None, device: str = "cpu",
          weights: str | None = None) -> list[Finding]:
    """The findings of one registered ``kind`` ("models", "translators", "metrics", "splits") called ``name``."""
    if kind == "models":
        return check_model(name, weights=weights, device=device)
    if kind == "translators":
        return check_translator(name, weights=weights)
    if kind == "splits":
        return check_split(name, data_root=data_root)
    if kind == "metrics":
        return check_metric(name)
    raise ValueError(f"the kit checks {', '.join(CHECKED_KINDS)}, not {kind!r}")


@contextmanager
def plugin_registered(plugin: object, name: str | None = None) -> Iterator[object]:
    """``plugin`` (a module or object with ``@hookimpl`` functions) registered for the block, unless it already is.

    Entry-point plugins are loaded as usual first; a plugin already loaded from its entry point stays as it is.
    """
    from udebench import plugins

    plugins.load_plugins()
    if plugins.pm.is_registered(plugin):
        yield plugin
        return
    plugins.register_plugin(plugin, name=name or getattr(plugin, "__name__", None))
    try:
        yield plugin
    finally:
        plugins.unregister_plugin(plugin)


def registered_by(plugin: object | str, kinds: Iterable[str] = CHECKED_KINDS) -> list[tuple[str, str]]:
    """(kind, name) of everything ``plugin`` registered: a registered plugin object, or a distribution,
    entry-point or module name (``udebench-example``, ``example``); ``[]`` when it registered nothing."""
    from udebench import plugins

    reg = plugins.registry()
    if isinstance(plugin, str):
        providers = {row["provider"] for row in plugins.loaded_plugins()
                     if plugin in (row["provider"], row["provider"].split("==")[0]) or plugin in row["modules"]}
    else:
        providers = {plugins.provider_of(plugin)}
    return [(kind, name) for kind in kinds for name, entry in reg[kind].items() if entry.provider in providers]


def items_to_check(name: str | None = None) -> list[tuple[str, str]]:
    """(kind, name) to check for ``udebench plugins --check [NAME]``: everything, what the plugin ``name``
    registered, or the registered model/translator/metric/split ``name``; a one-line error when nothing matches."""
    from udebench.errors import UdebenchError
    from udebench.plugins import registry

    reg = registry()
    if name is None:
        return [(kind, item) for kind in CHECKED_KINDS for item in reg[kind]]
    items = registered_by(name) or [(kind, name) for kind in CHECKED_KINDS if name in reg[kind]]
    if not items:
        raise UdebenchError(f"no plugin, model, translator, metric or split is called {name!r}; `udebench plugins` "
                            "lists the plugins, `udebench list` what they registered")
    return items


def check_plugin(plugin: object | str, *, data_root: str | None = None, device: str = "cpu") -> list[Finding]:
    """Every model, translator, metric and split ``plugin`` registers, checked (see :func:`registered_by`).

    A plugin object that is not loaded yet (tests load no installed plugin) is registered for the check.
    """
    with nullcontext() if isinstance(plugin, str) else plugin_registered(plugin):
        return [finding for kind, name in registered_by(plugin)
                for finding in check(kind, name, data_root=data_root, device=device)]


def report_lines(findings: Iterable[Finding]) -> list[str]:
    """One line per checked thing: ``ok``, ``FAILED`` (every failed check) or ``skipped`` (why)."""
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        grouped.setdefault((finding.kind, finding.name), []).append(finding)
    lines = []
    for (kind, name), items in grouped.items():
        failed = [f for f in items if f.outcome == "failed"]
        skipped = [f for f in items if f.outcome == "skipped"]
        if failed:
            lines.append(f"FAILED  {kind} {name}: " + "; ".join(f"{f.check}: {f.detail}" for f in failed))
        elif skipped:
            lines.append(f"skipped {kind} {name}: " + "; ".join(f"{f.check}" + (f" ({f.detail})" if f.detail else "")
                                                             for f in skipped))
        else:
            lines.append(f"ok      {kind} {name}: {len(items)} checks passed")
    return lines


def assert_conforms(findings: Iterable[Finding], *, allow_skipped: bool = True) -> None:
    """AssertionError listing every failed (and, with ``allow_skipped=False``, skipped) thing; else nothing."""
    findings = list(findings)
    bad = [f for f in findings if f.failed or (not allow_skipped and f.outcome == "skipped")]
    if not findings:
        raise AssertionError("nothing was checked: the plugin registered no model, translator, metric or split")
    if bad:
        names = {(f.kind, f.name) for f in bad}
        lines = [line for line, key in zip(report_lines(findings), _keys(findings), strict=True) if key in names]
        raise AssertionError("udebench contract not kept:\n" + "\n".join(lines))


def _keys(findings: list[Finding]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((f.kind, f.name) for f in findings))


def assert_plugin_conforms(plugin: object | str, *, data_root: str | None = None, device: str = "cpu",
                           allow_skipped: bool = True) -> list[Finding]:
    """:func:`check_plugin` then :func:`assert_conforms`; returns the findings (e.g. to assert what was checked)."""
    findings = check_plugin(plugin, data_root=data_root, device=device)
    assert_conforms(findings, allow_skipped=allow_skipped)
    return findings
