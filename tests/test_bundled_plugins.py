"""Every bundled plugin distribution (``plugins/*``, present and future) passes the conformance kit.

Installed plugins are not loaded in tests (``tests/conftest.py``), so each distribution's entry-point
modules, read from its ``pyproject.toml``, are registered for the check, as a plugin author's own test would.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from udebench.testing import assert_conforms, check_plugin, report_lines

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[1]
DISTRIBUTIONS = sorted(path.parent for path in (ROOT / "plugins").glob("*/pyproject.toml"))


def entry_point_modules(folder: Path) -> list[str]:
    """The modules a distribution declares under ``[project.entry-points.udebench]``."""
    project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return sorted(project.get("entry-points", {}).get("udebench", {}).values())


def test_every_bundled_distribution_is_found_and_declares_a_udebench_entry_point():
    names = [folder.name for folder in DISTRIBUTIONS]
    assert {"udebench-ude", "udebench-example"} <= set(names)
    assert all(entry_point_modules(folder) for folder in DISTRIBUTIONS), names


@pytest.mark.slow
@pytest.mark.parametrize("folder", DISTRIBUTIONS, ids=lambda folder: folder.name)
def test_bundled_plugin_passes_the_conformance_kit(folder):
    for module_name in entry_point_modules(folder):
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            pytest.fail(f"{folder.name}: cannot import {module_name} ({exc}); `make install` pip-installs plugins/*")
        findings = check_plugin(module)
        assert_conforms(findings)
        # on a fresh clone every model and translator must be checkable: shipped or test_weights, never skipped
        skipped = [line for line in report_lines(f for f in findings if f.kind in ("model", "translator"))
                   if line.startswith("skipped")]
        assert not skipped, "\n".join(skipped)
