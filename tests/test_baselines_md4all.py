"""md4all: its PyTorch Lightning checkpoints (AD and DD), read safely, with the config they carry."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("udebench_baselines")

from udebench_baselines.tiny_weights import write_md4all  # noqa: E402

import udebench  # noqa: E402
from tests.baselines_fixtures import cli_error, cli_evaluate, registered_baselines_plugin  # noqa: E402
from udebench.errors import UdebenchError  # noqa: E402


@pytest.fixture(autouse=True)
def _baselines_plugin():
    with registered_baselines_plugin() as plugin:
        yield plugin


def _images(seed: int = 0, size=(64, 160)):
    return torch.rand(2, 3, *size, generator=torch.Generator().manual_seed(seed))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["md4allDDa_nuscenes.ckpt", "md4allAD_nuscenes.ckpt"])
def test_cli_evaluates_ad_and_dd_checkpoints_on_synth_night(tmp_path, name):
    ckpt = write_md4all(tmp_path / "checkpoints", name=name)
    summary = cli_evaluate("md4all", ckpt, tmp_path / "r.sqlite")
    assert summary["n_samples"] == 2 and summary["alignment"] == "none"
    assert np.isfinite(summary["metrics"]["abs_rel"])


def test_a_folder_with_one_checkpoint_loads_it(tmp_path):
    write_md4all(tmp_path, name="md4allAD_nuscenes.ckpt")
    model = udebench.load_model("md4all", weights=str(tmp_path), device="cpu")
    assert model.predict(_images()).shape == (2, 64, 160)


def test_input_size_and_depth_range_come_from_the_pickled_config(tmp_path):
    model = udebench.load_model("md4all", weights=str(write_md4all(tmp_path, input_size=(96, 192))), device="cpu")
    assert model.spec.input_size == (96, 192)
    assert (model.module.min_depth, model.module.max_depth) == (0.1, 80.0)


def test_zero_disparity_weights_give_the_constant_depth_of_disp_to_depth_with_max_80(tmp_path):
    def constant_disparity(checkpoint):
        state = checkpoint["state_dict"]
        state["depth_model.decoder.decoder.10.conv.weight"].zero_()
        state["depth_model.decoder.decoder.10.conv.bias"].fill_(-1.5)

    path = write_md4all(tmp_path, edit=constant_disparity)
    depth = udebench.load_model("md4all", weights=str(path), device="cpu").predict(_images())
    sigma = 1.0 / (1.0 + np.exp(1.5))
    np.testing.assert_allclose(depth.numpy(), 1.0 / (1.0 / 80.0 + (1.0 / 0.1 - 1.0 / 80.0) * sigma), rtol=1e-5)


def test_daytime_trained_checkpoints_run_with_per_image_standardisation(tmp_path):
    model = udebench.load_model("md4all", weights=str(write_md4all(tmp_path, normalize_mode="Daytime")),
                                device="cpu")
    images = _images(1)
    flat = images.double().flatten(1).numpy()
    standardised = (flat - flat.mean(1, keepdims=True)) / flat.std(1, ddof=1, keepdims=True)
    with torch.no_grad():
        sigma = model.module(torch.from_numpy(standardised).float().view_as(images))["sigma"][:, 0]
    expected = 1.0 / (1.0 / 80.0 + (1.0 / 0.1 - 1.0 / 80.0) * sigma.double().numpy())
    np.testing.assert_allclose(model.predict(images).numpy(), expected, rtol=1e-5)


def test_dataset_mode_checkpoints_use_the_configured_mean_and_std(tmp_path):
    model = udebench.load_model("md4all", weights=str(write_md4all(tmp_path, normalize_mode="Dataset")),
                                device="cpu")
    images = _images(2)
    np.testing.assert_allclose(model.preprocess(images).numpy(), ((images - 0.45) / 0.225).numpy(), rtol=1e-6)


class _Payload:
    """Unpickling it would run a shell command that creates a file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import subprocess

        return subprocess.call, (["touch", self.marker],)


def test_loading_runs_no_code_from_the_checkpoint(tmp_path):
    marker = tmp_path / "pwned"
    path = write_md4all(tmp_path, edit=lambda checkpoint: checkpoint["callbacks"].update(evil=_Payload(marker)))
    udebench.load_model("md4all", weights=str(path), device="cpu")
    assert not marker.exists()


def test_missing_depth_tensors_are_named_with_their_checkpoint_keys(tmp_path):
    path = write_md4all(tmp_path, edit=lambda c: c["state_dict"].pop("depth_model.encoder.encoder.layer4.1.bn2.weight"))
    with pytest.raises(UdebenchError, match=r"1 missing key\(s\) \(depth_model\.encoder\.encoder\.layer4\.1\.bn2"):
        udebench.load_model("md4all", weights=str(path), device="cpu")


def test_a_folder_without_a_checkpoint_is_one_line_naming_the_expected_file(tmp_path):
    line = cli_error("evaluate", "--model", "md4all", "--weights", str(tmp_path), "--split", "synth-night")
    assert "no .ckpt file" in line and "md4allDDa_nuscenes.ckpt" in line


def test_a_folder_with_several_checkpoints_asks_which(tmp_path):
    write_md4all(tmp_path, name="md4allDDa_nuscenes.ckpt")
    write_md4all(tmp_path, name="md4allDDa_robotcar.ckpt")
    line = cli_error("evaluate", "--model", "md4all", "--weights", str(tmp_path), "--split", "synth-night")
    assert "2 .ckpt files" in line and "md4allDDa_robotcar.ckpt" in line


def test_a_monodepth2_folder_is_not_an_md4all_checkpoint(tmp_path):
    from udebench_baselines.tiny_weights import write_monodepth2

    folder = write_monodepth2(tmp_path)
    line = cli_error("evaluate", "--model", "md4all", "--weights", str(folder / "encoder.pth"), "--split",
                     "synth-night")
    assert "no 'state_dict'" in line


def test_exported_network_loads_as_md4all(tmp_path):
    from udebench.plugins import lookup

    spec = lookup("models", "md4all")
    net = spec.network(seed=0, num_layers=18, base_width=8, decoder_channels=(4, 4, 8, 8, 16), height=64, width=160,
                       max_depth=80.0)
    net.export(tmp_path / "md4all_synth.safetensors", {})
    model = udebench.load_model("md4all", weights=str(tmp_path / "md4all_synth.safetensors"), device="cpu")
    assert model.spec.input_size == (64, 160) and model.predict(_images()).shape == (2, 64, 160)
