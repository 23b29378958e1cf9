"""The plugin system: every hook works, duplicates are refused, loading is controllable."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import udebench
from udebench import hookimpl, hookspecs, plugins
from udebench.cli import cli
from udebench.errors import DataNotFoundError, DuplicateNameError, UdebenchError, UnknownNameError
from udebench.specs import DatasetSpec, MetricSpec, ModelSpec, SplitSpec, TrainerSpec, TranslatorSpec

ROOT = Path(__file__).resolve().parents[1]
HOOK_NAMES = sorted(name for name, fn in vars(hookspecs).items() if name.startswith("register_") and callable(fn))


ONE_DEPTH = 12.0  # ground truth of one-day, metres
ONE_PREDICTION = 5.0  # what one-model predicts everywhere, metres


class OneSplit:
    """Two 4×6 samples, grey image, ground truth ``ONE_DEPTH`` everywhere."""

    sample_ids = ["one-0", "one-1"]

    def __len__(self):
        return 2

    def __getitem__(self, index):
        import numpy as np

        return {"sample_id": self.sample_ids[index], "image": np.full((4, 6, 3), 100, np.uint8),
                "depth": np.full((4, 6), ONE_DEPTH, np.float32), "intrinsics": np.eye(3), "condition": "day"}


def build_one_model(weights=None, device=None):
    import torch
    from torch import nn

    from udebench.model import DepthModel

    class Constant(nn.Module):
        def forward(self, x):
            return torch.full_like(x[:, :1], ONE_PREDICTION)

    return DepthModel(ONE_MODEL, Constant())


ONE_MODEL = ModelSpec(name="one-model", factory=build_one_model, output="metric_depth", accepts_weights=False)


def mean_prediction(pred, gt, valid):
    """The mean predicted depth over the valid pixels of each image."""
    return pred.where(valid, pred.new_zeros(())).sum(dim=(1, 2)) / valid.sum(dim=(1, 2))


class OneTrainer:
    def __init__(self, config, *, work_dir, resume=True, device=None, max_iters=None):
        self.config, self.work_dir, self.max_iters = config, work_dir, max_iters

    def train(self):
        return {"trainer": self.config.trainer, "work_dir": self.work_dir, "iterations": self.max_iters}


class OneOfEach:
    @hookimpl
    def register_models(self, register):
        register(ONE_MODEL)

    @hookimpl
    def register_datasets(self, register):
        register(DatasetSpec(name="one-dataset", folder="one", how_to_get="fetch the one dataset from its site"))

    @hookimpl
    def register_splits(self, register):
        register(SplitSpec(name="one-day", factory=lambda data_root=None: OneSplit(), dataset="one-dataset",
                           condition="day"))
        register(SplitSpec(name="one-missing", factory=lambda data_root=None: open(f"{data_root}/one/index.json"),
                           dataset="one-dataset", condition="day"))

    @hookimpl
    def register_translators(self, register):
        def invert(image, condition, **kw):
            return 255 - image

        register(TranslatorSpec(name="one-translator", factory=lambda seed=0: invert, conditions=("night",)))

    @hookimpl
    def register_trainers(self, register):
        register(TrainerSpec(name="one-trainer", factory=OneTrainer))

    @hookimpl
    def register_metrics(self, register):
        register(MetricSpec(name="one_metric", fn=mean_prediction, higher_is_better=True))

    @hookimpl
    def register_commands(self, cli):
        @cli.command(name="one-command")
        def one_command():
            click.echo("hello from one-command")


@pytest.fixture
def one_of_each():
    plugin = OneOfEach()
    plugins.register_plugin(plugin, name="one-of-each")
    yield plugin
    plugins.unregister_plugin(plugin)


def test_hook_register_models(one_of_each):
    import torch

    model = udebench.load_model("one-model", device="cpu")
    assert model.predict(torch.rand(2, 3, 4, 6)).unique().tolist() == [ONE_PREDICTION]
    assert plugins.registry()["models"]["one-model"].provider == "one-of-each"


def test_hook_register_datasets(one_of_each, tmp_path):
    with pytest.raises(DataNotFoundError) as raised:
        udebench.get_split("one-missing", data_root=str(tmp_path))
    assert f"{tmp_path}/one" in str(raised.value) and "fetch the one dataset from its site" in str(raised.value)


def test_hook_register_splits(one_of_each):
    split = udebench.get_split("one-day")
    assert len(split) == 2 and split[1]["sample_id"] == "one-1" and float(split[1]["depth"][0, 0]) == ONE_DEPTH


def test_hook_register_translators(one_of_each):
    sample = udebench.get_split("one-day@one-translator-night")[0]
    assert sample["condition"] == "night" and sample["image"][0, 0].tolist() == [155, 155, 155]
    assert float(sample["depth"][0, 0]) == ONE_DEPTH  # ground truth comes from the source split


def test_hook_register_trainers(one_of_each, tmp_path):
    from mmengine.config import Config

    from udebench.training import run_training

    config = Config({"trainer": "one-trainer", "config_path": str(tmp_path / "one.py")})
    summary = run_training(config, work_dir=str(tmp_path / "work"), max_iters=3)
    assert summary == {"trainer": "one-trainer", "work_dir": str(tmp_path / "work"), "iterations": 3}


def test_hook_register_metrics(one_of_each, tmp_path):
    summary = udebench.evaluate("one-model", "one-day", results=tmp_path / "r.sqlite", progress=False, num_workers=0)
    assert summary.metrics["one_metric"] == pytest.approx(ONE_PREDICTION)  # metric depth: no alignment
    assert summary.metrics["abs_rel"] == pytest.approx(abs(ONE_PREDICTION - ONE_DEPTH) / ONE_DEPTH)
    assert summary.providers == {"model": "one-of-each"}


def test_hook_register_commands(one_of_each):
    from udebench import cli as cli_module

    cli_module._plugin_commands_added = False  # the group collects plugin commands once per process
    result = CliRunner().invoke(cli, ["one-command"])
    assert result.exit_code == 0, result.output
    assert "hello from one-command" in result.output


def test_plugins_command_lists_one_plugin_with_what_it_registered(one_of_each):
    result = CliRunner().invoke(cli, ["plugins", "one-of-each"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "one-of-each"
    assert "  models: one-model" in result.output and "  metrics: one_metric" in result.output
    assert "udebench (built-in)" not in result.output


def test_plugins_command_for_an_unknown_plugin_is_one_line():
    result = CliRunner().invoke(cli, ["plugins", "no-such-plugin"])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "no loaded plugin is called 'no-such-plugin'" in result.output


def test_every_hook_has_a_test():
    source = Path(__file__).read_text()
    missing = [name for name in HOOK_NAMES if f"def test_hook_{name}(" not in source]
    assert not missing, f"hooks without a test_hook_<name>: {missing}"


def test_every_hook_has_a_section_with_its_exact_signature_in_the_docs():
    docs = (ROOT / "docs" / "plugins.md").read_text()
    for name in HOOK_NAMES:
        params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"\n### `{name}({params})`\n" in docs, f"docs/plugins.md has no section ### `{name}({params})`"
    documented = set(re.findall(r"^### `(register_\w+)\(", docs, flags=re.MULTILINE))
    assert documented == set(HOOK_NAMES), f"sections for hooks that do not exist: {documented - set(HOOK_NAMES)}"


def _section(docs: str, heading: str) -> str:
    start = docs.index(heading)
    end = docs.find("\n#", start + len(heading))
    return docs[start:end if end != -1 else None]


@pytest.mark.parametrize("spec", [ModelSpec, DatasetSpec, SplitSpec, TranslatorSpec, TrainerSpec, MetricSpec])
def test_every_field_of_every_spec_is_documented_in_its_section(spec):
    import dataclasses

    section = _section((ROOT / "docs" / "plugins.md").read_text(), f"### `{spec.__name__}`")
    missing = [f.name for f in dataclasses.fields(spec) if f"`{f.name}`" not in section]
    assert not missing, f"docs/plugins.md, section {spec.__name__}, does not explain {missing}"


def test_every_name_of_the_public_plugin_api_is_documented():
    import udebench.plugin

    docs = (ROOT / "docs" / "plugins.md").read_text()
    assert [name for name in udebench.plugin.__all__ if f"`{name}`" not in docs] == []


@pytest.mark.parametrize("name", ["two words", "a,b", "synth-day@dark", ""])
def test_a_name_with_a_space_comma_or_at_sign_is_refused_naming_the_plugin(name):
    class BadName:
        @hookimpl
        def register_metrics(self, register):
            register(MetricSpec(name=name, fn=lambda p, g, v: None, higher_is_better=False))

    plugin = BadName()
    plugins.register_plugin(plugin, name="bad-name-plugin")
    try:
        with pytest.raises(UdebenchError, match=r"plugin bad-name-plugin: metric name .* must"):
            plugins.registry()
    finally:
        plugins.unregister_plugin(plugin)


def test_builtin_splits_and_metrics_register_through_the_hooks():
    reg = plugins.registry()
    assert reg["splits"]["synth-night"].provider == plugins.BUILTIN
    assert reg["metrics"]["abs_rel"].provider == plugins.BUILTIN
    assert {"abs_rel", "rmse", "a1"} <= set(reg["metrics"])


def test_duplicate_name_names_both_providers():
    class Duplicate:
        @hookimpl
        def register_metrics(self, register):
            register(MetricSpec(name="abs_rel", fn=lambda p, g, v: None, higher_is_better=False))

    plugin = Duplicate()
    plugins.register_plugin(plugin, name="dup-plugin")
    try:
        with pytest.raises(DuplicateNameError, match=r"'abs_rel'.*udebench \(built-in\).*dup-plugin"):
            plugins.registry()
    finally:
        plugins.unregister_plugin(plugin)


def test_wrong_spec_type_is_a_clear_error():
    class Wrong:
        @hookimpl
        def register_models(self, register):
            register({"name": "not-a-spec"})

    plugin = Wrong()
    plugins.register_plugin(plugin, name="wrong-plugin")
    try:
        with pytest.raises(TypeError, match="wrong-plugin: register_models expects ModelSpec"):
            plugins.registry()
    finally:
        plugins.unregister_plugin(plugin)


def test_unknown_name_lists_close_names():
    with pytest.raises(UnknownNameError, match="did you mean synth-night"):
        plugins.lookup("splits", "synth-nigth")


def test_model_spec_rejects_unknown_output_kind():
    with pytest.raises(ValueError, match="output must be one of"):
        ModelSpec(name="x", factory=lambda **kw: None, output="depthish")


def _run_udebench(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "UDEBENCH_LOAD_PLUGINS"}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "udebench", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_installed_entry_point_plugin_is_discovered_and_listed():
    """The example distribution is pip-installed (make install): found through its entry point."""
    result = _run_udebench("plugins")
    assert result.returncode == 0, result.stderr
    assert re.search(r"udebench-example==\d", result.stdout)
    assert "models: ground_plane" in result.stdout
    assert "udebench (built-in)" in result.stdout


def test_load_plugins_env_limits_loading():
    result = _run_udebench("list", "models", env_extra={"UDEBENCH_LOAD_PLUGINS": ""})
    assert result.returncode == 0, result.stderr
    assert "ground_plane" not in result.stdout
    result = _run_udebench("list", "models", env_extra={"UDEBENCH_LOAD_PLUGINS": "udebench-example"})
    assert "ground_plane" in result.stdout


def test_import_udebench_and_listing_do_not_import_heavy_libraries():
    code = (
        "import sys, udebench; from udebench.plugins import registry; registry();"
        "import udebench.cli;"
        "heavy = [m for m in ('torch', 'mmengine', 'diffusers', 'transformers', 'pandas') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_missing_data_is_one_line_saying_where_it_goes(tmp_path):
    class Missing:
        @hookimpl
        def register_datasets(self, register):
            register(DatasetSpec(name="faraway", folder="faraway", how_to_get="download it from the faraway site"))

        @hookimpl
        def register_splits(self, register):
            def factory(data_root=None):
                return open(f"{data_root}/faraway/index.json")  # noqa: SIM115 - raises FileNotFoundError

            register(SplitSpec(name="faraway-day", factory=factory, dataset="faraway", condition="day"))

    plugin = Missing()
    plugins.register_plugin(plugin, name="missing-data")
    try:
        result = CliRunner().invoke(cli, ["evaluate", "--model", "nope", "--split", "faraway-day", "--data-root",
                                          str(tmp_path), "--results", str(tmp_path / "r.sqlite")])
    finally:
        plugins.unregister_plugin(plugin)
    assert result.exit_code == 1
    assert f"{tmp_path}/faraway" in result.output and "download it from the faraway site" in result.output
    assert len(result.output.strip().splitlines()) == 1
