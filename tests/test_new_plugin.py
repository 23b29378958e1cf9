"""`udebench new-plugin NAME`: an installable distribution that passes its own test as generated."""

from __future__ import annotations

import importlib
import json
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.import_rules import forbidden_imports, is_test_file
from udebench.cli import cli
from udebench.scaffold import plugin_files, plugin_names, write_plugin
from udebench.testing import assert_plugin_conforms


def test_names_derive_from_the_plugin_name_with_or_without_the_prefix():
    names = plugin_names("foggy-depth")
    assert (names.distribution, names.package, names.entry_point) == ("udebench-foggy-depth", "udebench_foggy_depth",
                                                                      "foggy_depth")
    assert (names.model, names.metric, names.translator) == ("foggy_depth", "foggy_depth_far_abs_rel", "foggy_depth")
    assert names.weights_env == "UDEBENCH_FOGGY_DEPTH_WEIGHTS"
    assert plugin_names("udebench-foggy-depth") == names


def test_generated_distribution_has_the_entry_point_model_metric_translator_readme_and_test():
    files = plugin_files(plugin_names("foggy"))
    assert set(files) == {"pyproject.toml", "README.md", "tests/test_foggy.py", "udebench_foggy/__init__.py",
                          "udebench_foggy/plugin.py", "udebench_foggy/model.py", "udebench_foggy/metric.py",
                          "udebench_foggy/translator.py"}
    assert '[project.entry-points.udebench]\nfoggy = "udebench_foggy.plugin"' in files["pyproject.toml"]
    assert "$" not in "".join(text.replace("$UDEBENCH_FOGGY_WEIGHTS", "") for text in files.values())


def test_generated_code_imports_only_the_public_api():
    for path, text in plugin_files(plugin_names("foggy")).items():
        if path.endswith(".py"):
            assert forbidden_imports(text, in_tests=is_test_file(Path(path))) == [], path


def test_a_bad_name_is_one_line():
    result = CliRunner().invoke(cli, ["new-plugin", "Foggy Depth", "--output", "unused"])
    assert result.exit_code == 1
    assert "use lowercase letters and digits" in result.output and len(result.output.strip().splitlines()) == 1


def test_a_folder_that_is_not_empty_is_left_alone(tmp_path):
    (tmp_path / "udebench-foggy").mkdir()
    (tmp_path / "udebench-foggy" / "mine.txt").write_text("keep me")
    result = CliRunner().invoke(cli, ["new-plugin", "foggy", "--output", str(tmp_path)])
    assert result.exit_code == 1 and "already exists and is not empty" in result.output
    assert [p.name for p in (tmp_path / "udebench-foggy").iterdir()] == ["mine.txt"]


def test_cli_writes_the_files_and_says_what_to_do_next(tmp_path):
    result = CliRunner().invoke(cli, ["new-plugin", "foggy", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "udebench-foggy" / "udebench_foggy" / "plugin.py").is_file()
    assert "pip install -e" in result.output.splitlines()[-1]


def test_generated_plugin_passes_the_conformance_kit_as_generated(tmp_path, monkeypatch):
    root = write_plugin("kitcheck", tmp_path)
    monkeypatch.syspath_prepend(str(root))
    module = importlib.import_module("udebench_kitcheck.plugin")
    try:
        findings = assert_plugin_conforms(module, allow_skipped=False)
    finally:
        for name in [m for m in sys.modules if m.startswith("udebench_kitcheck")]:
            del sys.modules[name]
    assert {(f.kind, f.name) for f in findings} == {("model", "kitcheck"), ("metric", "kitcheck_far_abs_rel"),
                                                   ("translator", "kitcheck")}
    assert any(f.check == "builds from its test_weights" and f.outcome == "ok" for f in findings)


def _throwaway_venv(path: Path) -> Path:
    """A venv that sees this one's packages (torch, udebench, pip, setuptools) and installs into its own."""
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(path)], check=True,
                   timeout=120)
    python = path / "bin" / "python"
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         check=True, capture_output=True, text=True).stdout.strip()
    # --system-site-packages reaches the base interpreter's packages, not ours: add ours (with their .pth files)
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(own, "udebench-parent-venv.pth").write_text("".join(f"import site; site.addsitedir({p!r})\n" for p in ours))
    return python


@pytest.mark.slow
def test_generated_plugin_installs_with_pip_passes_its_test_and_its_metric_reaches_the_leaderboard(tmp_path):
    root = write_plugin("foggy", tmp_path / "src")
    python = _throwaway_venv(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if k not in ("UDEBENCH_LOAD_PLUGINS", "PYTHONPATH")}
    env.update(UDEBENCH_LOAD_PLUGINS="foggy", UDEBENCH_SYNTH_SIZE="48x160", OMP_NUM_THREADS="1")

    def run(*args: str, cwd: Path = tmp_path) -> subprocess.CompletedProcess:
        result = subprocess.run([str(python), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    run("-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", str(root))
    run("-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=root)  # its own generated test, with its own config

    results = str(tmp_path / "results.sqlite")
    listed = run("-m", "udebench", "plugins")
    assert "udebench-foggy==0.1.0" in listed.stdout and "metrics: foggy_far_abs_rel" in listed.stdout
    evaluated = run("-m", "udebench", "evaluate", "--model", "foggy", "--split", "synth-day", "--limit", "3",
                    "--num-workers", "0", "--results", results, "--no-progress", "--json")
    summary = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert "foggy_far_abs_rel" in summary["metrics"]
    assert summary["providers"] == {"model": "udebench-foggy==0.1.0"}
    exported = json.loads(run("-m", "udebench", "results", "export", "--results", results).stdout)
    assert all("foggy_far_abs_rel" in sample["metrics"] for sample in exported[0]["samples"])
    board = run("-m", "udebench", "leaderboard", "--results", results, "--metrics", "abs_rel,foggy_far_abs_rel",
                "--format", "csv")
    header, row = board.stdout.strip().splitlines()
    assert header == "row,split,n_samples,limit,n_errors,abs_rel,foggy_far_abs_rel,weights_origin"
    assert row.startswith("foggy,synth-day,3,")
