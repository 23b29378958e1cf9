"""Test isolation: no installed plugin leaks in, small synth frames, a private cache."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# Before udebench.plugins loads anything: only built-ins, unless a test registers more.
os.environ["UDEBENCH_LOAD_PLUGINS"] = ""
os.environ.setdefault("UDEBENCH_SYNTH_SIZE", "48x160")
if "UDEBENCH_CACHE" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="udebench-test-cache-")
    os.environ["UDEBENCH_CACHE"] = _cache
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)
if "UDEBENCH_CONFIG_DIR" not in os.environ:  # a developer's own HF split configs must not register in tests
    _config = tempfile.mkdtemp(prefix="udebench-test-config-")
    os.environ["UDEBENCH_CONFIG_DIR"] = _config
    atexit.register(shutil.rmtree, _config, ignore_errors=True)
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"

import pytest  # noqa: E402

from tests.plugin_fixtures import (  # noqa: E402
    BrokenFilesPlugin,
    ExplodingMetricPlugin,
    ScalarMetricPlugin,
    StepsPlugin,
    TinyModelPlugin,
)
from udebench import plugins  # noqa: E402


@pytest.fixture
def tiny_plugin():
    """Registers the ``tiny`` test models for one test."""
    plugin = TinyModelPlugin()
    plugins.register_plugin(plugin, name="tiny-test-plugin")
    yield plugin
    plugins.unregister_plugin(plugin)


@pytest.fixture
def broken_files_plugin(tmp_path):
    """Registers ``files-test``: a split read from PNG files, one of them corrupt."""
    plugin = BrokenFilesPlugin(tmp_path / "files-split")
    plugins.register_plugin(plugin, name="broken-files-plugin")
    yield plugin
    plugins.unregister_plugin(plugin)


@pytest.fixture
def steps_plugin():
    """Registers ``steps-day``, ``constant20``, the ``far_abs_rel`` metric and the ``invert`` translator."""
    plugin = StepsPlugin()
    plugins.register_plugin(plugin, name="steps-test-plugin")
    yield plugin
    plugins.unregister_plugin(plugin)


@pytest.fixture
def exploding_metric():
    """Registers the ``exploding`` metric (raises from its second batch on)."""
    plugin = ExplodingMetricPlugin()
    plugins.register_plugin(plugin, name="exploding-metric-plugin")
    yield plugin
    plugins.unregister_plugin(plugin)


@pytest.fixture
def scalar_metric():
    """Registers ``scalar_metric`` (returns one number per batch, not one per image)."""
    plugin = ScalarMetricPlugin()
    plugins.register_plugin(plugin, name="scalar-metric-plugin")
    yield plugin
    plugins.unregister_plugin(plugin)


@pytest.fixture
def ude_plugin():
    """The UDE plugin registered for one test (installed plugins are not loaded in tests)."""
    pytest.importorskip("udebench_ude")
    import udebench_ude.plugin

    from udebench.testing import plugin_registered

    with plugin_registered(udebench_ude.plugin, name="ude") as plugin:
        yield plugin
