"""Shared helpers for the udebench-baselines tests: the plugin fixture and a CLI evaluation on synth frames."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest

pytest.importorskip("udebench_baselines")


@contextmanager
def registered_baselines_plugin():
    """The baselines plugin registered for a block (tests load no installed plugin)."""
    import udebench_baselines.plugin

    from udebench import plugins

    plugins.load_plugins()
    if plugins.pm.is_registered(udebench_baselines.plugin):  # loaded from its entry point
        yield udebench_baselines.plugin
        return
    plugins.register_plugin(udebench_baselines.plugin, name="baselines")
    try:
        yield udebench_baselines.plugin
    finally:
        plugins.unregister_plugin(udebench_baselines.plugin)


def cli_evaluate(model: str, weights: str, results, *extra: str, split: str = "synth-night", limit: int = 2) -> dict:
    """``udebench evaluate --model M --weights W --split synth-night --limit 2 --json``: the run summary."""
    from click.testing import CliRunner

    from udebench.cli import cli

    args = ["evaluate", "--model", model, "--weights", str(weights), "--split", split, "--limit", str(limit),
            "--batch-size", "2", "--num-workers", "0", "--device", "cpu", "--results", str(results), "--json",
            "--no-progress", *extra]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def cli_error(*args: str) -> str:
    """The one-line error a failing ``udebench`` command prints (asserts it failed with exit code 1)."""
    from click.testing import CliRunner

    from udebench.cli import cli

    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]
