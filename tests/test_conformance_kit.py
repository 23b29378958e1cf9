"""The conformance kit (udebench.testing, `udebench plugins --check`) passes what keeps the contracts and
names the broken checks of what does not: each broken thing below breaks one rule on purpose."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from udebench import hookimpl
from udebench.cli import cli
from udebench.evaluation.protocol_spec import Protocol
from udebench.model import DepthModel
from udebench.specs import DatasetSpec, MetricSpec, ModelSpec, SplitSpec, TranslatorSpec
from udebench.testing import (
    assert_conforms,
    assert_plugin_conforms,
    check_metric,
    check_model,
    check_plugin,
    check_split,
    check_translator,
    registered_by,
    report_lines,
)
from udebench.translate.contract import ImageTranslator


def depth_model(name: str, forward, output: str = "relative_depth") -> DepthModel:
    from torch import nn

    spec = next(s for s in MODELS if s.name == name)
    return DepthModel(spec if spec.output == output else ModelSpec(name, spec.factory, output), nn.Identity(),
                      forward=lambda module, x, k: forward(x))


def _ramp(x):
    """A positive depth map that depends on each image alone: 1 + its mean brightness, per pixel."""
    return 1.0 + x.mean(dim=1, keepdim=True)


def read_weights_file(weights=None, device=None):
    """The factory of ``needs_weights_with_test_weights``: reads the npy file test_weights wrote."""
    if weights is None:
        raise FileNotFoundError("needs_weights: no weights given")
    scale = float(np.load(weights)[0])
    return depth_model("with_test_weights", lambda x: scale * _ramp(x))


def write_weights_file(folder: Path) -> str:
    path = Path(folder) / "scale.npy"
    np.save(path, np.array([2.0]))
    return str(path)


def write_broken_weights_file(folder: Path) -> str:
    path = Path(folder) / "scale.npy"
    path.write_bytes(b"not numpy")
    return str(path)


def _model(name, forward, output="relative_depth", **spec):
    return ModelSpec(name, lambda weights=None, device=None: depth_model(name, forward, output), output, **spec)


def _batch_normalised(x):
    return _ramp(x) / _ramp(x).mean()  # statistics over the whole batch: an image alone gives another map


def _noisy(x):
    import torch

    return _ramp(x) + torch.rand(x.shape[0], 1, 1, 1)


def _with_nan(x):
    out = _ramp(x)
    out[:, :, 0, 0] = float("nan")
    return out


def _needs_weights(weights=None, device=None):
    raise FileNotFoundError("no weights: pass --weights")


MODELS = [
    _model("good_model", _ramp),
    ModelSpec("with_test_weights", read_weights_file, "relative_depth", test_weights=write_weights_file),
    ModelSpec("broken_test_weights", read_weights_file, "relative_depth", test_weights=write_broken_weights_file),
    ModelSpec("needs_weights", _needs_weights, "relative_depth"),
    _model("batch_dependent", _batch_normalised),
    _model("random_in_eval", _noisy),
    _model("negative_depth", lambda x: -_ramp(x)),
    _model("millimetres", lambda x: 5000.0 * _ramp(x), output="metric_depth"),
    _model("flat_output", lambda x: _ramp(x).flatten(1)),
    _model("nan_output", _with_nan),
    ModelSpec("wrong_kind", lambda weights=None, device=None: depth_model("wrong_kind", _ramp, "relative_depth"),
              "metric_depth"),
]


class Darken(ImageTranslator):
    name = "good-translator"
    conditions = ("dark",)

    def translate_image(self, image, condition, *, depth, seed):
        rng = np.random.default_rng(seed)
        return np.clip(image * 0.5 + rng.integers(0, 3, image.shape), 0, 255).astype(np.uint8)


class Unseeded(Darken):
    def translate_image(self, image, condition, *, depth, seed):
        return np.clip(image * 0.5 + np.random.default_rng().integers(0, 50, image.shape), 0, 255).astype(np.uint8)


class FloatOutput(Darken):
    def __call__(self, image, condition, *, depth=None, seed=None):
        return image / 255.0


class InPlace(Darken):
    def translate_image(self, image, condition, *, depth, seed):
        image //= 2
        return image


class BatchIgnoresSeeds(Darken):
    def translate_batch(self, images, condition, *, depth=None, seeds=None):
        import torch

        return (images * 0.5 + torch.rand(images.shape)).clamp(0, 1)  # not the single calls' draws


TRANSLATORS = [
    TranslatorSpec("good-translator", lambda seed=0: Darken(seed=seed), conditions=("dark",)),
    TranslatorSpec("plain-function", lambda seed=0: lambda image, condition, **kw: 255 - image, conditions=("neg",)),
    TranslatorSpec("unseeded", lambda seed=0: Unseeded(seed=seed), conditions=("dark",)),
    TranslatorSpec("float-output", lambda seed=0: FloatOutput(seed=seed), conditions=("dark",)),
    TranslatorSpec("in-place", lambda seed=0: InPlace(seed=seed), conditions=("dark",)),
    TranslatorSpec("batch-ignores-seeds", lambda seed=0: BatchIgnoresSeeds(seed=seed), conditions=("dark",)),
    TranslatorSpec("other-conditions", lambda seed=0: Darken(seed=seed), conditions=("night",)),
]


def _mean_abs_rel(pred, gt, valid):
    error = ((pred - gt).abs() / gt).where(valid, gt.new_zeros(()))
    return error.sum(dim=(1, 2)) / valid.sum(dim=(1, 2))


def _zero_without_pixels(pred, gt, valid):
    return _mean_abs_rel(pred, gt, valid).nan_to_num(0.0)


def _batch_mixing(pred, gt, valid):
    return _mean_abs_rel(pred / pred[valid].mean(), gt / gt[valid].mean(), valid)


def _clamps_in_place(pred, gt, valid):
    pred.clamp_(max=10.0)
    return _mean_abs_rel(pred, gt, valid)


METRICS = [
    MetricSpec("good_metric", _mean_abs_rel, higher_is_better=False),
    MetricSpec("scalar", lambda pred, gt, valid: (pred - gt)[valid].abs().mean(), higher_is_better=False),
    MetricSpec("zero_without_pixels", _zero_without_pixels, higher_is_better=False),
    MetricSpec("batch_mixing", _batch_mixing, higher_is_better=False),
    MetricSpec("wrong_direction", _mean_abs_rel, higher_is_better=True),
    MetricSpec("clamps_in_place", _clamps_in_place, higher_is_better=False),
    MetricSpec("raises", lambda pred, gt, valid: 1 / 0, higher_is_better=False),
]


class ListSplit(list):
    sample_ids: list[str]


def _split(samples, ids=None):
    split = ListSplit(samples)
    split.sample_ids = ids if ids is not None else [s["sample_id"] for s in samples]
    return split


def _sample(**changes):
    sample = {"sample_id": "s0", "image": np.zeros((6, 8, 3), np.uint8), "depth": np.full((6, 8), 12.0, np.float32),
              "intrinsics": np.eye(3), "condition": "day"}
    sample.update(changes)
    return {k: v for k, v in sample.items() if v is not None}


def _missing_data(data_root=None):
    from udebench.errors import DataNotFoundError

    raise DataNotFoundError(f"kit-missing: nothing in {data_root}/kit")


SPLITS = [
    SplitSpec("kit-good", lambda data_root=None: _split([_sample()]), dataset="kit", condition="day"),
    SplitSpec("kit-millimetres", lambda data_root=None: _split([_sample(depth=np.full((6, 8), 12000.0, np.float32))]),
              dataset="kit", condition="day"),
    SplitSpec("kit-no-intrinsics", lambda data_root=None: _split([_sample(intrinsics=None)]), dataset="kit",
              condition="day"),
    SplitSpec("kit-wrong-condition", lambda data_root=None: _split([_sample()]), dataset="kit", condition="night"),
    SplitSpec("kit-wrong-ids", lambda data_root=None: _split([_sample()], ids=["other"]), dataset="kit",
              condition="day"),
    SplitSpec("kit-beyond-caps", lambda data_root=None: _split([_sample()]), dataset="kit", condition="day",
              protocol=Protocol(max_depth=5.0)),
    SplitSpec("kit-missing", _missing_data, dataset="kit", condition="day"),
]


class KitPlugin:
    @hookimpl
    def register_models(self, register):
        for spec in MODELS:
            register(spec)

    @hookimpl
    def register_translators(self, register):
        for spec in TRANSLATORS:
            register(spec)

    @hookimpl
    def register_metrics(self, register):
        for spec in METRICS:
            register(spec)

    @hookimpl
    def register_datasets(self, register):
        register(DatasetSpec("kit", folder="kit"))

    @hookimpl
    def register_splits(self, register):
        for spec in SPLITS:
            register(spec)


@pytest.fixture(scope="module")
def kit_plugin():
    from udebench.testing import plugin_registered

    with plugin_registered(KitPlugin(), name="kit-plugin") as plugin:
        yield plugin


def outcomes(findings) -> dict[str, str]:
    return {f.check: f.outcome for f in findings}


def failed_checks(findings) -> list[str]:
    return [f.check for f in findings if f.outcome == "failed"]


# ----------------------------------------------------------------------------------------------- models


def test_a_model_keeping_the_contract_passes_every_check(kit_plugin):
    findings = check_model("good_model")
    assert failed_checks(findings) == [] and {f.outcome for f in findings} == {"ok"}
    assert {"output shape [B,h,w]", "positive relative_depth", "deterministic in eval mode",
            "batch-size invariant"} <= set(outcomes(findings))


def test_a_model_is_built_from_its_test_weights_through_its_factory(kit_plugin):
    findings = check_model("with_test_weights")
    assert outcomes(findings)["builds from its test_weights"] == "ok"
    assert failed_checks(findings) == []


def test_test_weights_the_factory_cannot_read_fail_the_build(kit_plugin):
    assert failed_checks(check_model("broken_test_weights")) == ["builds from its test_weights"]


def test_a_model_needing_weights_without_test_weights_is_skipped_saying_so(kit_plugin):
    (finding,) = check_model("needs_weights")
    assert finding.outcome == "skipped" and finding.check == "needs --weights"
    assert "no weights: pass --weights" in finding.detail and "test_weights" in finding.detail


def test_given_weights_replace_the_test_weights(kit_plugin, tmp_path):
    findings = check_model("needs_weights", weights=write_weights_file(tmp_path))
    assert outcomes(findings)["builds from --weights"] == "failed"  # its factory raises whatever it is given


@pytest.mark.parametrize(("model", "checks"), [
    ("batch_dependent", ["batch-size invariant"]),
    ("random_in_eval", ["deterministic in eval mode", "batch-size invariant"]),  # random draws break both
    ("negative_depth", ["positive relative_depth"]),
    ("millimetres", ["metric depth in metres"]),
    ("flat_output", ["output shape [B,h,w]"]),
    ("nan_output", ["finite output"]),
    ("wrong_kind", ["declares its registered spec"]),
])
def test_a_model_breaking_a_rule_fails_that_check(kit_plugin, model, checks):
    assert failed_checks(check_model(model)) == checks


# ------------------------------------------------------------------------------------------ translators


def test_a_translator_keeping_the_contract_passes_every_check(kit_plugin):
    findings = check_translator("good-translator")
    assert failed_checks(findings) == [] and "batch equals single calls" in outcomes(findings)


def test_a_plain_function_translator_is_wrapped_into_the_contract(kit_plugin):
    assert failed_checks(check_translator("plain-function")) == []


@pytest.mark.parametrize(("translator", "checks"), [
    ("unseeded", ["equal seeds give equal images", "batch equals single calls"]),
    ("float-output", ["uint8 HxWx3 of the input's size"]),
    ("in-place", ["leaves its input unchanged"]),
    ("batch-ignores-seeds", ["batch equals single calls"]),
    # the spec promises "night", which the translator refuses
    ("other-conditions", ["conditions match the spec", "translates a uint8 image"]),
])
def test_a_translator_breaking_a_rule_fails_that_check(kit_plugin, translator, checks):
    assert failed_checks(check_translator(translator)) == checks


# ---------------------------------------------------------------------------------------------- metrics


def test_a_metric_keeping_the_contract_passes_every_check(kit_plugin):
    findings = check_metric("good_metric")
    assert failed_checks(findings) == [] and "NaN for an image without a valid pixel" in outcomes(findings)


def test_every_built_in_metric_passes_the_kit():
    from udebench.evaluation.metrics import BUILTIN_METRICS

    for name in BUILTIN_METRICS:
        assert failed_checks(check_metric(name)) == [], name


@pytest.mark.parametrize(("metric", "check"), [
    ("scalar", "one value per image, shape [B]"),
    ("zero_without_pixels", "NaN for an image without a valid pixel"),
    ("batch_mixing", "each image's value ignores the other images"),
    ("wrong_direction", "higher_is_better agrees with its values"),
    ("clamps_in_place", "leaves its inputs unchanged"),
    ("raises", "runs on a [B,H,W] batch"),
])
def test_a_metric_breaking_one_rule_fails_that_check(kit_plugin, metric, check):
    assert failed_checks(check_metric(metric)) == [check]


# ----------------------------------------------------------------------------------------------- splits


def test_a_split_keeping_the_contract_passes_every_check(kit_plugin):
    findings = check_split("kit-good")
    assert failed_checks(findings) == [] and "first sample keeps the Sample contract" in outcomes(findings)


@pytest.mark.parametrize(("split", "check", "detail"), [
    ("kit-millimetres", "first sample keeps the Sample contract", "metres expected"),
    ("kit-no-intrinsics", "first sample keeps the Sample contract", "missing key 'intrinsics'"),
    ("kit-wrong-condition", "condition matches the spec", "SplitSpec says 'night'"),
    ("kit-wrong-ids", "sample_ids match the samples", "'other'"),
    ("kit-beyond-caps", "ground truth within the split's caps", "wrong units?"),
])
def test_a_split_breaking_one_rule_fails_that_check(kit_plugin, split, check, detail):
    failed = [f for f in check_split(split) if f.failed]
    assert [f.check for f in failed] == [check] and detail in failed[0].detail


def test_a_split_without_its_data_is_skipped_saying_where_it_belongs(kit_plugin, tmp_path):
    (finding,) = check_split("kit-missing", data_root=str(tmp_path))
    assert finding.outcome == "skipped" and finding.check == f"data not found at {tmp_path}/kit"


def test_synth_splits_pass_the_kit():
    for name in ("synth-night", "synth-train-fog"):
        assert failed_checks(check_split(name)) == [], name


# ---------------------------------------------------------------------------------------------- reports


def test_registered_by_lists_what_one_plugin_registered(kit_plugin):
    items = registered_by(kit_plugin)
    assert ("models", "good_model") in items and ("splits", "kit-missing") in items
    assert ("metrics", "abs_rel") not in items  # a built-in, not the kit plugin's


def test_report_has_one_line_per_thing_with_every_failed_check(kit_plugin):
    lines = report_lines(check_model("good_model") + check_model("batch_dependent") + check_model("needs_weights"))
    assert len(lines) == 3
    assert lines[0].startswith("ok      model good_model:")
    assert lines[1].startswith("FAILED  model batch_dependent: batch-size invariant:")
    assert lines[2].startswith("skipped model needs_weights: needs --weights")


def test_assert_conforms_raises_naming_only_the_broken_things(kit_plugin):
    with pytest.raises(AssertionError) as raised:
        assert_conforms(check_model("good_model") + check_metric("scalar"))
    assert "metric scalar" in str(raised.value) and "good_model" not in str(raised.value)
    assert_conforms(check_model("good_model") + check_model("needs_weights"))  # skipped is fine by default
    with pytest.raises(AssertionError, match="needs_weights"):
        assert_conforms(check_model("needs_weights"), allow_skipped=False)


def test_assert_conforms_refuses_to_pass_when_nothing_was_checked():
    with pytest.raises(AssertionError, match="nothing was checked"):
        assert_conforms([])


def test_check_plugin_registers_a_plugin_that_is_not_loaded_and_unregisters_it():
    from udebench import plugins

    class Small:
        @hookimpl
        def register_metrics(self, register):
            register(MetricSpec("small_metric", _mean_abs_rel, higher_is_better=False))

    plugin = Small()
    findings = assert_plugin_conforms(plugin)
    assert {(f.kind, f.name) for f in findings} == {("metric", "small_metric")}
    assert "small_metric" not in plugins.registry()["metrics"]


# -------------------------------------------------------------------------------------------------- CLI


def test_cli_check_prints_one_line_per_thing_and_exits_1_on_a_failure(kit_plugin):
    result = CliRunner().invoke(cli, ["plugins", "kit-plugin", "--check", "--no-progress"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    things = len(registered_by(kit_plugin))
    assert len(lines) == things + 1  # one per thing, then the totals
    assert "FAILED  metric scalar: one value per image, shape [B]" in result.output
    assert lines[-1].endswith("skipped") and " failed" in lines[-1]


def test_cli_check_of_one_good_thing_exits_0(kit_plugin):
    result = CliRunner().invoke(cli, ["plugins", "good_model", "--check", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok      model good_model:")


def test_cli_check_of_an_unknown_name_is_one_line():
    result = CliRunner().invoke(cli, ["plugins", "no-such-plugin", "--check"])
    assert result.exit_code == 1
    assert "no plugin, model, translator, metric or split is called 'no-such-plugin'" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_check_verbose_prints_every_check(kit_plugin):
    result = CliRunner().invoke(cli, ["plugins", "negative_depth", "--check", "--verbose", "--no-progress"])
    assert "failed  model negative_depth: positive relative_depth (minimum" in result.output
    assert "ok      model negative_depth: batch-size invariant" in result.output


def test_cli_check_weights_needs_one_model_or_translator(kit_plugin, tmp_path):
    result = CliRunner().invoke(cli, ["plugins", "kit-plugin", "--check", "--weights", str(tmp_path)])
    assert result.exit_code == 1 and "--weights: name one model or translator" in result.output


def test_check_of_the_example_plugin_by_distribution_name_passes():
    pytest.importorskip("udebench_example")
    import udebench_example

    from udebench.testing import plugin_registered

    with plugin_registered(udebench_example, name="udebench-example"):
        assert_conforms(check_plugin("udebench-example"), allow_skipped=False)
