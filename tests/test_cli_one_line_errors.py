"""Bad input to `udebench evaluate` is one line naming what is at fault, through the real CLI, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from udebench import plugins
from udebench.cli import cli


def evaluate(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["evaluate", "--no-progress", "--num-workers", "0", *args], env=env)


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def example_plugin():
    """The example plugin (``ground_plane``, which takes no weights) registered for one test."""
    module = pytest.importorskip("udebench_example")
    plugins.register_plugin(module, name="example")
    yield module
    plugins.unregister_plugin(module)


def test_truncated_safetensors_weights_name_the_file(ude_plugin, tmp_path):
    import udebench_ude

    shipped = Path(udebench_ude.__file__).parent / "weights" / "ude_student_tiny_synth.safetensors"
    truncated = tmp_path / "student.safetensors"
    truncated.write_bytes(shipped.read_bytes()[:1000])
    result = evaluate("--model", "ude_student", "--split", "synth-night", "--limit", "1",
                      "--weights", str(truncated), "--results", str(tmp_path / "r.sqlite"))
    assert_one_line_error(result, str(truncated), "ude_student", "could not load it")


@pytest.mark.parametrize("size", ["abc", "1x1"])
def test_a_bad_synth_size_names_the_variable(tiny_plugin, tmp_path, size):
    result = evaluate("--model", "tiny", "--split", "synth-day", "--limit", "1", "--results",
                      str(tmp_path / "r.sqlite"), env={"UDEBENCH_SYNTH_SIZE": size})
    assert_one_line_error(result, f"UDEBENCH_SYNTH_SIZE={size!r}")
    assert not (tmp_path / "r.sqlite").exists()  # failed before anything was opened


def test_an_unknown_device_says_which_devices_exist(tiny_plugin, tmp_path):
    result = evaluate("--model", "tiny", "--split", "synth-day", "--limit", "1", "--device", "gpu",
                      "--results", str(tmp_path / "r.sqlite"))
    assert_one_line_error(result, "--device 'gpu'", "cpu, cuda or cuda:N")


def test_weights_for_a_model_that_takes_none_are_refused(example_plugin, tmp_path):
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"anything")
    result = evaluate("--model", "ground_plane", "--split", "synth-day", "--limit", "1", "--weights", str(weights),
                      "--results", str(tmp_path / "r.sqlite"))
    assert_one_line_error(result, str(weights), "'ground_plane' takes no weights")


def test_launcher_pytorch_outside_torchrun_says_how_to_start_it(tiny_plugin, tmp_path, monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    result = evaluate("--model", "tiny", "--split", "synth-day", "--limit", "1", "--launcher", "pytorch",
                      "--results", str(tmp_path / "r.sqlite"))
    assert_one_line_error(result, "--launcher pytorch", "RANK", "torchrun --nproc-per-node")
