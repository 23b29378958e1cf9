"""Bundled plugins are written exactly like third-party ones: they import only the public plugin API.

Every ``.py`` under ``plugins/*/`` is parsed (so plugins added later are covered as they land) and
checked by :mod:`tests.import_rules`; the rules themselves are tested on small sources below.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.import_rules import forbidden_imports, is_test_file

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_FILES = sorted(path for path in (ROOT / "plugins").glob("*/**/*.py") if ".venv" not in path.parts)


def test_the_walk_finds_the_bundled_plugins_sources():
    folders = {path.relative_to(ROOT / "plugins").parts[0] for path in PLUGIN_FILES}
    assert {"udebench-ude", "udebench-example"} <= folders


@pytest.mark.parametrize("path", PLUGIN_FILES, ids=lambda p: str(p.relative_to(ROOT / "plugins")))
def test_bundled_plugin_file_imports_only_the_public_api(path):
    problems = forbidden_imports(path.read_text(encoding="utf-8"), in_tests=is_test_file(path))
    assert not problems, f"{path.relative_to(ROOT)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("source", [
    "from udebench.plugin import ModelSpec, hookimpl",
    "import udebench.plugin",
    "from udebench import evaluate, get_split, load_model, hookimpl, __version__",
    "from udebench import plugin",
    "import udebench\nudebench.evaluate('m', 's')\nudebench.plugin.ModelSpec",
    "from mmengine.runner import Runner, IterBasedTrainLoop",
    "from mmengine.hooks import Hook\nclass H(Hook):\n    def __init__(self):\n        super().__init__()",
    "from . import model\nfrom .specs import SPEC",
    "import importlib\nimportlib.import_module('udebench.plugin')",
])
def test_allowed_imports_pass(source):
    assert forbidden_imports(source) == []


@pytest.mark.parametrize(("source", "why"), [
    ("from udebench.plugins import lookup", "udebench.plugins is not the public plugin API"),
    ("import udebench.api", "udebench.api is not the public plugin API"),
    ("from udebench.engine.progress import progress_bar", "udebench.engine.progress is not"),
    ("from udebench import plugins", "udebench.plugins is not a top-level udebench name"),
    ("from udebench import *", "from udebench import *"),
    ("import udebench\nudebench.cli.UdebenchGroup", "udebench.cli.UdebenchGroup is not the public plugin API"),
    ("import udebench.plugin\nudebench.data.synth.splits", "udebench.data.synth.splits is not"),
    ("from udebench.plugin import _private_helper", "udebench.plugin._private_helper is private"),
    ("from mmengine.runner.loops import _InfiniteDataloaderIterator", "_InfiniteDataloaderIterator is private"),
    ("from mmengine._strategy import BaseStrategy", "mmengine._strategy is private to mmengine"),
    ("import mmengine.runner\nmmengine.runner._InfiniteDataloaderIterator", "_InfiniteDataloaderIterator is private"),
    ("from mmengine import runner\nrunner._InfiniteDataloaderIterator", "_InfiniteDataloaderIterator is private"),
    ("import importlib\nimportlib.import_module('udebench.api')", "udebench.api is not the public plugin API"),
    ("from udebench.testing import assert_plugin_conforms", "udebench.testing is not the public plugin API outside"),
])
def test_forbidden_imports_are_reported_with_their_line(source, why):
    problems = forbidden_imports("import os\n" + source)
    assert problems and all(p.startswith("line ") for p in problems)
    assert any(why in p for p in problems), problems


def test_the_conformance_kit_is_allowed_in_a_plugins_tests():
    assert forbidden_imports("from udebench.testing import assert_plugin_conforms", in_tests=True) == []
    assert is_test_file(Path("plugins/udebench-example/tests/test_example_metric.py"))
    assert not is_test_file(Path("plugins/udebench-example/udebench_example/metric.py"))
