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

from udebench import hookimpl, hookspecs, plugins
from udebench.cli import cli
from udebench.errors import DuplicateNameError, UnknownNameError
from udebench.specs import DatasetSpec, MetricSpec, ModelSpec, SplitSpec, TrainerSpec, TranslatorSpec

ROOT = Path(__file__).resolve().parents[1]
HOOK_NAMES = sorted(name for name, fn in vars(hookspecs).items() if name.startswith("register_") and callable(fn))


class OneOfEach:
    @hookimpl
    def register_models(self, register):
        register(ModelSpec(name="one-model", factory=lambda **kw: None, output="metric_depth"))

    @hookimpl
    def register_datasets(self, register):
        register(DatasetSpec(name="one-dataset", folder="one"))

    @hookimpl
    def register_splits(self, register):
        register(SplitSpec(name="one-day", factory=lambda data_root=None: [], dataset="one-dataset", condition="day"))

    @hookimpl
    def register_translators(self, register):
        register(TranslatorSpec(name="one-translator", factory=lambda **kw: None, conditions=("night",)))

    @hookimpl
    def register_trainers(self, register):
        register(TrainerSpec(name="one-trainer", factory=lambda config: None))

    @hookimpl
    def register_metrics(self, register):
        register(MetricSpec(name="one_metric", fn=lambda p, g, v: None, higher_is_better=True))

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
    assert plugins.registry()["models"]["one-model"].provider == "one-of-each"


def test_hook_register_datasets(one_of_each):
    assert plugins.registry()["datasets"]["one-dataset"].spec.folder == "one"


def test_hook_register_splits(one_of_each):
    assert plugins.lookup("splits", "one-day").condition == "day"


def test_hook_register_translators(one_of_each):
    assert plugins.lookup("translators", "one-translator").conditions == ("night",)


def test_hook_register_trainers(one_of_each):
    assert "one-trainer" in plugins.registry()["trainers"]


def test_hook_register_metrics(one_of_each):
    assert plugins.lookup("metrics", "one_metric").arrow == "↑"


def test_hook_register_commands(one_of_each):
    from udebench import cli as cli_module

    cli_module._plugin_commands_added = False  # the group collects plugin commands once per process
    result = CliRunner().invoke(cli, ["one-command"])
    assert result.exit_code == 0, result.output
    assert "hello from one-command" in result.output


def test_every_hook_has_a_test():
    source = Path(__file__).read_text()
    missing = [name for name in HOOK_NAMES if f"def test_hook_{name}(" not in source]
    assert not missing, f"hooks without a test_hook_<name>: {missing}"


def test_every_hook_is_documented_with_its_signature():
    docs = (ROOT / "docs" / "plugins.md").read_text()
    for name in HOOK_NAMES:
        params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"{name}({params})" in docs, f"docs/plugins.md does not document {name}({params})"


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
