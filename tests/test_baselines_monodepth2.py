"""monodepth2: the official encoder.pth + depth.pth layout, strict loading, σ → depth, the trainable network."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("udebench_baselines")

from udebench_baselines.monodepth2_net import build_network  # noqa: E402
from udebench_baselines.monodepth2_weights import save_official_folder  # noqa: E402
from udebench_baselines.tiny_weights import TINY_MONODEPTH2, write_monodepth2  # noqa: E402

import udebench  # noqa: E402
from tests.baselines_fixtures import cli_error, cli_evaluate, registered_baselines_plugin  # noqa: E402
from udebench.errors import UdebenchError  # noqa: E402
from udebench.plugin import sha256_of  # noqa: E402

#: shapes of the official ResNet-18 mono_640x192 release, worked out from the paper's architecture
#: (torchvision ResNet-18; decoder widths 16..256, skips from the encoder, one output channel).
OFFICIAL_SHAPES = {
    "encoder.conv1.weight": (64, 3, 7, 7),
    "encoder.layer1.0.conv1.weight": (64, 64, 3, 3),
    "encoder.layer2.0.conv1.weight": (128, 64, 3, 3),
    "encoder.layer2.0.downsample.0.weight": (128, 64, 1, 1),
    "encoder.layer2.0.downsample.1.running_mean": (128,),
    "encoder.layer4.1.bn2.running_var": (512,),
    "decoder.0.conv.conv.weight": (256, 512, 3, 3),  # upconv (4, 0): 512 → 256
    "decoder.1.conv.conv.weight": (256, 512, 3, 3),  # upconv (4, 1): 256 + skip 256 → 256
    "decoder.2.conv.conv.weight": (128, 256, 3, 3),  # upconv (3, 0)
    "decoder.3.conv.conv.weight": (128, 256, 3, 3),  # upconv (3, 1): 128 + skip 128
    "decoder.7.conv.conv.weight": (32, 96, 3, 3),  # upconv (1, 1): 32 + skip 64 (conv1 features)
    "decoder.8.conv.conv.weight": (16, 32, 3, 3),  # upconv (0, 0)
    "decoder.9.conv.conv.weight": (16, 16, 3, 3),  # upconv (0, 1): no skip at full resolution
    "decoder.10.conv.weight": (1, 16, 3, 3),  # dispconv 0
    "decoder.13.conv.weight": (1, 128, 3, 3),  # dispconv 3
}


def disp_to_depth(sigma: float, min_depth: float = 0.1, max_depth: float = 100.0) -> float:
    """Monodepth2's layers.disp_to_depth, in float64."""
    return 1.0 / (1.0 / max_depth + (1.0 / min_depth - 1.0 / max_depth) * sigma)


@pytest.fixture(autouse=True)
def _baselines_plugin():
    with registered_baselines_plugin() as plugin:
        yield plugin


@pytest.fixture
def official_folder(tmp_path):
    return write_monodepth2(tmp_path)


def test_official_resnet18_files_have_the_official_key_names_shapes_and_entries(tmp_path):
    folder = save_official_folder(build_network(seed=0), tmp_path / "mono_640x192")
    encoder = torch.load(folder / "encoder.pth", weights_only=True)
    decoder = torch.load(folder / "depth.pth", weights_only=True)
    shapes = {k: tuple(v.shape) for k, v in {**encoder, **decoder}.items() if isinstance(v, torch.Tensor)}
    assert {k: shapes[k] for k in OFFICIAL_SHAPES} == OFFICIAL_SHAPES
    # torchvision's ResNet-18 state dict (120 tensors + the 2 of fc) and 14 decoder convs
    assert len([k for k in encoder if k.startswith("encoder.")]) == 122
    assert len(decoder) == 28 and all(k.startswith("decoder.") for k in decoder)
    assert (encoder["height"], encoder["width"], encoder["use_stereo"]) == (192, 640, False)


def test_official_architecture_has_fourteen_million_parameters():
    net = build_network()
    assert sum(p.numel() for p in net.parameters()) == pytest.approx(14.3e6, rel=0.01)  # Monodepth2 paper: 14.3 M


def test_zero_disparity_weights_give_the_constant_depth_of_disp_to_depth(tmp_path):
    net = build_network(seed=0, **TINY_MONODEPTH2)
    bias = 0.3
    with torch.no_grad():
        net.decoder[10].conv.weight.zero_()
        net.decoder[10].conv.bias.fill_(bias)
    folder = save_official_folder(net, tmp_path / "constant")
    model = udebench.load_model("monodepth2", weights=str(folder), device="cpu")
    depth = model.predict(torch.rand(2, 3, 48, 160, generator=torch.Generator().manual_seed(0)))
    expected = disp_to_depth(1.0 / (1.0 + np.exp(-bias)))
    assert depth.shape == (2, 64, 160)
    np.testing.assert_allclose(depth.numpy(), expected, rtol=1e-5)


def test_factory_runs_at_the_checkpoint_size_with_monodepth2_input_normalisation(official_folder):
    model = udebench.load_model("monodepth2", weights=str(official_folder), device="cpu")
    assert model.spec.input_size == (64, 160) and model.spec.output == "relative_depth"
    assert model.spec.default_alignment == "median"
    images = torch.rand(1, 3, 64, 160, generator=torch.Generator().manual_seed(1))
    np.testing.assert_allclose(model.preprocess(images).numpy(), ((images - 0.45) / 0.225).numpy(), rtol=1e-6)


def test_prediction_is_depth_from_the_full_resolution_sigmoid(official_folder):
    model = udebench.load_model("monodepth2", weights=str(official_folder), device="cpu")
    images = torch.rand(2, 3, 64, 160, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        sigma = model.module((images - 0.45) / 0.225)["sigma"][:, 0].double().numpy()
    expected = 1.0 / (1.0 / 100.0 + (1.0 / 0.1 - 1.0 / 100.0) * sigma)
    np.testing.assert_allclose(model.predict(images).numpy(), expected, rtol=1e-5)


def test_network_contract_gives_full_resolution_sigma_and_four_scales_finest_first():
    net = build_network(seed=0, **TINY_MONODEPTH2).eval()
    with torch.no_grad():
        out = net(torch.rand(2, 3, 64, 96))
    assert out["sigma"].shape == (2, 1, 64, 96)
    assert [tuple(s.shape[-2:]) for s in out["sigma_scales"]] == [(64, 96), (32, 48), (16, 24), (8, 12)]
    assert torch.equal(out["sigma_scales"][0], out["sigma"])
    assert float(out["sigma"].min()) > 0 and float(out["sigma"].max()) < 1
    assert (net.input_multiple, net.mean, net.std) == (32, (0.45,) * 3, (0.225,) * 3)
    assert (net.min_depth, net.max_depth) == (0.1, 100.0)


def test_network_rejects_an_input_that_is_not_a_multiple_of_32():
    with pytest.raises(ValueError, match="multiples of 32"):
        build_network(**TINY_MONODEPTH2)(torch.rand(1, 3, 48, 96))


def test_network_rebuilds_from_its_arch_and_seed():
    a = build_network(seed=3, **TINY_MONODEPTH2)
    b = build_network(seed=3, **a.arch)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


def test_exported_file_loads_in_the_factory_and_reproduces_the_network(tmp_path):
    net = build_network(seed=0, **{**TINY_MONODEPTH2, "max_depth": 80.0}).eval()
    path = tmp_path / "monodepth2_synth.safetensors"
    sha256 = net.export(path, {"name": "monodepth2_synth", "training": {"steps": 1}})
    assert (tmp_path / "monodepth2_synth.json").is_file()
    model = udebench.load_model("monodepth2", weights=str(path), device="cpu")
    assert model.weights_sha256 == sha256 and model.module.max_depth == 80.0
    images = torch.rand(1, 3, 64, 160, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        expected = 1.0 / (1.0 / 80.0 + (1.0 / 0.1 - 1.0 / 80.0) * net((images - 0.45) / 0.225)["sigma"][:, 0])
    torch.testing.assert_close(model.predict(images), expected, rtol=2e-2, atol=0)  # fp16 file


def test_small_architecture_fits_the_shipped_size_limit(tmp_path):
    from udebench_baselines.monodepth2_arch import SMALL_ARCH

    path = tmp_path / "small.safetensors"
    build_network(seed=0, **SMALL_ARCH).export(path, {})
    assert path.stat().st_size < 10e6


def test_resnet50_release_layout_is_recognised(tmp_path):
    from udebench_baselines.monodepth2_weights import load_network

    folder = save_official_folder(build_network(seed=0, num_layers=50, base_width=8, height=64, width=96), tmp_path)
    net, extras = load_network(folder)
    assert (net.arch["num_layers"], net.arch["base_width"]) == (50, 8) and extras["height"] == 64


@pytest.mark.slow
def test_cli_evaluates_an_official_layout_folder_on_synth_night(official_folder, tmp_path):
    summary = cli_evaluate("monodepth2", official_folder, tmp_path / "r.sqlite")
    assert summary["n_samples"] == 2 and summary["alignment"] == "median"
    assert np.isfinite(summary["metrics"]["abs_rel"]) and 0 <= summary["metrics"]["a1"] <= 1
    model = udebench.load_model("monodepth2", weights=str(official_folder), device="cpu")
    assert model.weights_sha256 == sha256_of(str(official_folder))


def test_missing_depth_file_is_one_line_naming_the_expected_files(official_folder):
    (official_folder / "depth.pth").unlink()
    line = cli_error("evaluate", "--model", "monodepth2", "--weights", str(official_folder), "--split", "synth-night")
    assert "depth.pth not found" in line and "encoder.pth and depth.pth" in line


def test_unexpected_and_missing_keys_are_named(official_folder):
    decoder = torch.load(official_folder / "depth.pth", weights_only=True)
    decoder["decoder.99.conv.weight"] = decoder.pop("decoder.13.conv.weight")
    torch.save(decoder, official_folder / "depth.pth")
    with pytest.raises(UdebenchError, match=r"depth\.pth: 1 missing key\(s\) \(decoder\.13\.conv\.weight\) and 1 "
                                            r"unexpected key\(s\) \(decoder\.99\.conv\.weight\)"):
        udebench.load_model("monodepth2", weights=str(official_folder), device="cpu")


def test_the_unused_classifier_of_official_files_is_accepted_but_nothing_else(official_folder):
    encoder = torch.load(official_folder / "encoder.pth", weights_only=True)
    assert "encoder.fc.weight" in encoder
    udebench.load_model("monodepth2", weights=str(official_folder), device="cpu")
    encoder["encoder.extra.weight"] = torch.zeros(1)
    torch.save(encoder, official_folder / "encoder.pth")
    with pytest.raises(UdebenchError, match=r"encoder\.pth: 1 unexpected key\(s\) \(encoder\.extra\.weight\)"):
        udebench.load_model("monodepth2", weights=str(official_folder), device="cpu")


def test_a_file_that_is_not_a_checkpoint_is_one_line(official_folder):
    (official_folder / "encoder.pth").write_bytes(b"not a checkpoint")
    line = cli_error("evaluate", "--model", "monodepth2", "--weights", str(official_folder), "--split", "synth-night")
    assert "encoder.pth" in line and "not a readable torch checkpoint" in line


def test_without_weights_or_the_shipped_file_a_one_line_error_says_where_weights_go(monkeypatch, tmp_path):
    from udebench_baselines import monodepth2_model

    monkeypatch.setattr(monodepth2_model, "WEIGHTS_DIR", tmp_path)  # a checkout without the shipped file
    line = cli_error("evaluate", "--model", "monodepth2", "--split", "synth-night")
    assert "encoder.pth + depth.pth" in line and str(tmp_path / monodepth2_model.SHIPPED) in line
    assert "UDEBENCH_MONODEPTH2_WEIGHTS" in line


def test_registering_the_plugin_imports_no_heavy_library():
    code = ("import sys, udebench_baselines.plugin; "
            "sys.exit(any(m in sys.modules for m in ('torch', 'transformers', 'diffusers')))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
