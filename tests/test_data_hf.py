"""Hugging Face datasets as splits (register-hf) and splits as datasets (export), offline."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from udebench import get_split
from udebench.cli import cli
from udebench.errors import UdebenchError
from udebench.plugins import refresh, registry, split_spec


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    """A private $UDEBENCH_CONFIG_DIR, and a registry re-read before and after the test."""
    monkeypatch.setenv("UDEBENCH_CONFIG_DIR", str(tmp_path / "config"))
    refresh()
    yield tmp_path / "config" / "hf_splits"
    refresh()


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_export_then_register_gives_back_identical_samples(tmp_path, config_dir):
    out = tmp_path / "synth-day-hf"
    assert "exported 3 samples" in run("data", "export", "synth-day", str(out), "--limit", "3").output
    result = run("data", "register-hf", "synth_copy", "--path", str(out), "--image-column", "image",
                 "--depth-column", "depth")
    assert "hf-synth_copy" in result.output and (config_dir / "synth_copy.json").is_file()
    copy, source = get_split("hf-synth_copy"), get_split("synth-day", n_frames=3)
    assert len(copy) == 3 and copy.sample_ids == source.sample_ids
    for i in range(3):
        a, b = copy[i], source[i]
        assert a["sample_id"] == b["sample_id"] and a["condition"] == "day"
        np.testing.assert_array_equal(a["image"], b["image"])
        assert a["depth"].dtype == np.float32
        np.testing.assert_array_equal(a["depth"], b["depth"])
        np.testing.assert_array_equal(a["intrinsics"], b["intrinsics"])
    spec = split_spec("hf-synth_copy")
    assert (spec.min_depth, spec.max_depth, spec.condition, spec.expected_count) == (0.1, 80.0, "day", 3)
    assert spec.check().ok


def test_registered_split_is_listed_by_the_cli(tmp_path, config_dir):
    out = tmp_path / "ds"
    run("data", "export", "synth-fog", str(out), "--limit", "1")
    run("data", "register-hf", "fogcopy", "--path", str(out))
    assert "hf-fogcopy" in run("list", "splits").output


def _plain_dataset(path):
    import datasets

    rng = np.random.default_rng(0)
    rows = {"rgb": [rng.integers(0, 256, (6, 8, 3), dtype=np.uint8) for _ in range(2)],
            "mm": [np.full((6, 8), 1500 * (i + 1), dtype=np.float32) for i in range(2)]}
    features = datasets.Features({"rgb": datasets.Image(),
                                  "mm": datasets.Sequence(datasets.Sequence(datasets.Value("float32")))})
    datasets.Dataset.from_dict(rows, features=features).save_to_disk(str(path))
    return rows


def test_columns_scale_and_fixed_intrinsics_of_any_dataset(tmp_path, config_dir):
    rows = _plain_dataset(tmp_path / "plain")
    run("data", "register-hf", "plain", "--path", str(tmp_path / "plain"), "--image-column", "rgb",
        "--depth-column", "mm", "--depth-scale", "0.001", "--fx", "7", "--fy", "8", "--cx", "4", "--cy", "3",
        "--condition", "night", "--min-depth", "0.5", "--max-depth", "10")
    split = get_split("hf-plain")
    sample = split[1]
    np.testing.assert_array_equal(sample["image"], rows["rgb"][1])
    np.testing.assert_allclose(sample["depth"], 3.0)
    np.testing.assert_array_equal(sample["intrinsics"], [[7, 0, 4], [0, 8, 3], [0, 0, 1]])
    assert sample["sample_id"] == "plain-000001" and sample["condition"] == "night"
    spec = split_spec("hf-plain")
    assert (spec.condition, spec.min_depth, spec.max_depth) == ("night", 0.5, 10.0)


def test_unknown_column_is_refused_with_the_columns_listed(tmp_path, config_dir):
    _plain_dataset(tmp_path / "plain")
    result = CliRunner().invoke(cli, ["data", "register-hf", "bad", "--path", str(tmp_path / "plain"),
                                      "--image-column", "rgb", "--depth-column", "depth"])
    assert result.exit_code != 0 and "'depth' is not a column" in result.output and "mm, rgb" in result.output
    assert not (config_dir / "bad.json").exists()


def test_an_existing_name_needs_force(tmp_path, config_dir):
    _plain_dataset(tmp_path / "plain")
    args = ["data", "register-hf", "twice", "--path", str(tmp_path / "plain"), "--image-column", "rgb",
            "--depth-column", "mm"]
    run(*args)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0 and "--force" in result.output
    run(*args, "--force")


def test_a_broken_config_registers_a_split_that_explains_itself(config_dir):
    config_dir.mkdir(parents=True)
    (config_dir / "oops.json").write_text("{not json")
    refresh()
    assert "hf-oops" in registry()["splits"]
    with pytest.raises(UdebenchError, match="oops.json"):
        get_split("hf-oops")


def test_missing_dataset_folder_is_a_one_line_error(tmp_path, config_dir):
    config_dir.mkdir(parents=True)
    config = {"name": "gone", "path": str(tmp_path / "nowhere"), "image_column": "image", "depth_column": "depth"}
    (config_dir / "gone.json").write_text(json.dumps(config))
    refresh()
    with pytest.raises(UdebenchError) as info:
        get_split("hf-gone")
    assert "\n" not in str(info.value) and "hf-gone" not in str(info.value) and "gone" in str(info.value)
    assert not split_spec("hf-gone").check().ok


def test_listing_splits_does_not_import_datasets(config_dir, tmp_path):
    import subprocess
    import sys

    config_dir.mkdir(parents=True)
    (config_dir / "lazy.json").write_text(json.dumps({"name": "lazy", "path": str(tmp_path)}))
    code = ("import sys; from udebench.plugins import registry; assert 'hf-lazy' in registry()['splits'];"
            "print([m for m in ('datasets', 'numpy', 'torch') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "UDEBENCH_CONFIG_DIR": str(tmp_path / "config")})
    assert out.stdout.strip() == "[]"
