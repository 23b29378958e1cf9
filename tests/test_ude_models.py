"""The ude_teacher / ude_student models: registration, weights files, shipped-weights errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("udebench_ude")

from udebench_ude.models import build_net, count_parameters  # noqa: E402
from udebench_ude.weights import load_net, save_hf_folder, save_safetensors  # noqa: E402

from tests.ude_helpers import TINY_ARCH  # noqa: E402
from udebench.errors import UdebenchError  # noqa: E402
from udebench.weights import card_path, write_card  # noqa: E402


def _images():
    return torch.rand(2, 3, 28, 56, generator=torch.Generator().manual_seed(0))


def test_registering_the_plugin_does_not_import_torch():
    code = "import sys, udebench_ude.plugin; sys.exit('torch' in sys.modules or 'transformers' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_models_declare_metric_depth_and_a_patch_multiple_input(ude_plugin):
    from udebench.plugins import lookup

    for name in ("ude_teacher", "ude_student"):
        spec = lookup("models", name)
        assert spec.output == "metric_depth" and spec.default_alignment == "none"
        assert spec.input_size == (140, 448) and all(side % 14 == 0 for side in spec.input_size)


def test_tiny_size_has_about_four_and_a_half_million_parameters():
    assert 3.5e6 < count_parameters(build_net("tiny")) < 5.5e6


def test_net_outputs_depth_inside_the_range_and_encoder_tokens():
    net = build_net("tiny", seed=0, **TINY_ARCH).eval()
    with torch.no_grad():
        out = net(_images(), return_features=True)
    assert out["depth"].shape == (2, 1, 28, 56)
    assert float(out["depth"].min()) >= 0.1 and float(out["depth"].max()) <= 80.0
    assert torch.allclose(out["depth"] * out["disp"], torch.ones_like(out["depth"]))
    assert out["features"].shape == (2, 2 * 4, 32)


def test_factory_loads_a_safetensors_file_and_reproduces_outputs(ude_plugin, tmp_path):
    import udebench

    net = build_net("tiny", seed=0, **TINY_ARCH).eval()
    path = tmp_path / "student.safetensors"
    sha = save_safetensors(net, path, fp16=False)
    model = udebench.load_model("ude_student", weights=str(path), device="cpu")
    assert model.weights_sha256 == sha
    images = _images()
    expected = net(model.preprocess(images))["depth"][:, 0]
    assert torch.allclose(model.predict(images), expected, atol=1e-5)


def test_fp16_file_is_half_the_size_and_close(tmp_path):
    net = build_net("tiny", seed=0, **TINY_ARCH).eval()
    save_safetensors(net, tmp_path / "a.safetensors", fp16=False)
    save_safetensors(net, tmp_path / "b.safetensors", fp16=True)
    assert (tmp_path / "b.safetensors").stat().st_size < 0.6 * (tmp_path / "a.safetensors").stat().st_size
    half, _ = load_net(tmp_path / "b.safetensors")
    x = _images()
    assert torch.allclose(half(x)["disp"], net(x)["disp"], rtol=2e-2, atol=1e-3)


def test_hf_folder_round_trip(tmp_path):
    net = build_net("tiny", seed=0, **TINY_ARCH).eval()
    save_hf_folder(net, tmp_path / "hf")
    assert (tmp_path / "hf" / "config.json").is_file()
    loaded, _ = load_net(tmp_path / "hf")
    x = _images()
    assert torch.allclose(loaded(x)["depth"], net(x)["depth"], atol=1e-5)
    assert loaded.arch["input_size"] == [28, 56] or tuple(loaded.arch["input_size"]) == (28, 56)


def test_card_beside_the_weights_is_json(tmp_path):
    net = build_net("tiny", seed=0, **TINY_ARCH)
    path = tmp_path / "w.safetensors"
    write_card(path, {"sha256": save_safetensors(net, path)})
    assert json.loads(card_path(path).read_text())["sha256"]


def test_missing_shipped_weights_is_a_one_line_error(ude_plugin, tmp_path, monkeypatch):
    import udebench_ude.weights

    import udebench

    monkeypatch.setattr(udebench_ude.weights, "WEIGHTS_DIR", tmp_path / "none")
    with pytest.raises(UdebenchError) as info:
        udebench.load_model("ude_student", device="cpu")
    message = str(info.value)
    assert "\n" not in message and "missing" in message and "udebench ude export" in message


def test_weights_for_another_architecture_are_rejected(tmp_path):
    path = tmp_path / "w.safetensors"
    save_safetensors(build_net("tiny", seed=0, **TINY_ARCH), path)
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(path))
    tensors.pop(next(iter(tensors)))
    save_file(tensors, str(tmp_path / "broken.safetensors"))  # no metadata and a tensor short
    with pytest.raises(UdebenchError, match="model card"):
        load_net(tmp_path / "broken.safetensors")
