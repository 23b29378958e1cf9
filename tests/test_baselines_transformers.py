"""Depth Anything v1/v2, DPT, ZoeDepth, Depth Pro: save_pretrained folders and the hub cache, output meanings."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("udebench_baselines")

from udebench_baselines import tiny_weights  # noqa: E402
from udebench_baselines.hf_models import focal_from_fov, zoedepth_padding  # noqa: E402
from udebench_baselines.preprocessing import resized_size  # noqa: E402

import udebench  # noqa: E402
from tests.baselines_fixtures import cli_error, cli_evaluate, registered_baselines_plugin  # noqa: E402
from udebench.errors import UdebenchError  # noqa: E402
from udebench.plugins import lookup  # noqa: E402

HF_MODELS = ("depth_anything", "depth_anything_v2", "dpt", "zoedepth", "depth_pro")


@pytest.fixture(autouse=True)
def _baselines_plugin():
    with registered_baselines_plugin() as plugin:
        yield plugin


def _images(seed: int = 0, size=(48, 160)):
    return torch.rand(2, 3, *size, generator=torch.Generator().manual_seed(seed))


def _intrinsics(fx: float, batch: int = 2, size=(48, 160)):
    k = torch.tensor([[fx, 0.0, size[1] / 2], [0.0, fx, size[0] / 2], [0.0, 0.0, 1.0]])
    return k.expand(batch, 3, 3).clone()


# --- the image processors' size rule, worked by hand ---------------------------------------------------------------

def test_depth_anything_resizes_nuscenes_frames_to_518_high_and_a_multiple_of_14_wide():
    # 518/900 = 0.5756 changes the image less than 518/1600: fit the height; 1600·0.5756 = 920.9 → 66·14 = 924
    assert resized_size(900, 1600, (518, 518), keep_aspect_ratio=True, multiple=14) == (518, 924)


def test_zoedepth_resizes_kitti_frames_to_384_high_and_a_multiple_of_32_wide():
    # 384/375 = 1.024; 1242·1.024 = 1271.8 → 40·32 = 1280
    assert resized_size(375, 1242, (384, 512), keep_aspect_ratio=True, multiple=32) == (384, 1280)


def test_dpt_ignores_the_aspect_ratio():
    assert resized_size(900, 1600, (384, 384), keep_aspect_ratio=False, multiple=1) == (384, 384)


def test_zoedepth_reflect_padding_is_three_times_the_root_of_half_each_side():
    assert zoedepth_padding(375, 1242) == (41, 74)  # int(3·√187.5) = int(41.08), int(3·√621) = int(74.76)


def test_focal_length_of_a_90_degree_field_of_view_is_half_the_width():
    assert float(focal_from_fov(torch.tensor(90.0), 160)) == pytest.approx(80.0)


# --- Depth Anything: the checkpoint's config decides what the output means ------------------------------------------

def test_relative_depth_anything_predicts_affine_disparity_aligned_by_lstsq_disparity(tmp_path):
    model = udebench.load_model("depth_anything", weights=str(tiny_weights.write_depth_anything(tmp_path / "r")),
                                device="cpu")
    assert model.spec.output == "affine_disparity" and model.spec.default_alignment == "lstsq_disparity"


def test_metric_depth_anything_predicts_metres_with_no_alignment(tmp_path):
    folder = tiny_weights.write_depth_anything(tmp_path / "m", metric=True, max_depth=80)
    model = udebench.load_model("depth_anything_v2", weights=str(folder), device="cpu")
    assert model.spec.output == "metric_depth" and model.spec.default_alignment == "none"
    depth = model.predict(_images())
    assert float(depth.min()) >= 0.0 and float(depth.max()) <= 80.0  # sigmoid · max_depth


def test_depth_anything_runs_at_the_processor_size_with_its_normalisation(tmp_path):
    import torch.nn.functional as F

    model = udebench.load_model("depth_anything", weights=str(tiny_weights.write_depth_anything(tmp_path)),
                                device="cpu")
    images = _images(1)
    resized = F.interpolate(images, size=(56, 182), mode="bicubic", align_corners=False, antialias=True)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    with torch.no_grad():
        expected = model.module(pixel_values=(resized - mean) / std).predicted_depth
    prediction = model.predict(images)
    assert prediction.shape == (2, 56, 182)
    torch.testing.assert_close(prediction, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.slow
def test_cli_default_alignment_follows_the_loaded_checkpoint(tmp_path):
    relative = cli_evaluate("depth_anything", tiny_weights.write_depth_anything(tmp_path / "r"), tmp_path / "a.sqlite")
    metric = cli_evaluate("depth_anything", tiny_weights.write_depth_anything(tmp_path / "m", metric=True),
                          tmp_path / "b.sqlite")
    assert (relative["alignment"], metric["alignment"]) == ("lstsq_disparity", "none")


# --- the hub cache, and errors ---------------------------------------------------------------------------------------

def test_a_hub_cache_folder_loads_its_refs_main_snapshot(tmp_path):
    root = tiny_weights.write_hub_cache(tmp_path / "hub", "depth-anything/Depth-Anything-V2-Small-hf",
                                        tiny_weights.write_depth_anything)
    assert root.name == "models--depth-anything--Depth-Anything-V2-Small-hf"
    model = udebench.load_model("depth_anything_v2", weights=str(root), device="cpu")
    assert model.predict(_images()).shape == (2, 56, 182)


def test_without_weights_the_default_repo_is_read_from_the_local_cache(tmp_path, monkeypatch):
    tiny_weights.write_hub_cache(tmp_path / "hub", "Intel/dpt-hybrid-midas", tiny_weights.write_dpt)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    model = udebench.load_model("dpt", device="cpu")
    assert model.weights_sha256 is not None and model.predict(_images()).shape == (2, 64, 64)


def test_a_repo_missing_from_the_cache_is_one_line_naming_it_and_where_it_goes(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty"))
    line = cli_error("evaluate", "--model", "zoedepth", "--split", "synth-night")
    assert "Intel/zoedepth-kitti is not in the local Hugging Face cache" in line and str(tmp_path / "empty") in line


def test_a_folder_without_config_json_names_what_it_needs(tmp_path):
    line = cli_error("evaluate", "--model", "dpt", "--weights", str(tmp_path), "--split", "synth-night")
    assert "has no config.json" in line and "save_pretrained folder" in line


def test_another_architecture_s_checkpoint_names_the_model_to_use(tmp_path):
    with pytest.raises(UdebenchError, match=r"a 'dpt' checkpoint, not 'depth_anything'; evaluate it with --model dpt"):
        udebench.load_model("depth_anything", weights=str(tiny_weights.write_dpt(tmp_path)), device="cpu")


def test_a_missing_tensor_is_named_not_initialised_at_random(tmp_path):
    from safetensors.torch import load_file, save_file

    folder = tiny_weights.write_zoedepth(tmp_path)
    state = load_file(str(folder / "model.safetensors"))
    missing = sorted(k for k in state if "conv_out" in k or "head" in k)[0]
    del state[missing]
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(UdebenchError, match=rf"1 missing key\(s\) \({missing}\)"):
        udebench.load_model("zoedepth", weights=str(folder), device="cpu")


# --- ZoeDepth: padding and flip, as its reference evaluation ---------------------------------------------------------

def test_zoedepth_prediction_has_the_input_size_after_the_padding_is_cut(tmp_path):
    model = udebench.load_model("zoedepth", weights=str(tiny_weights.write_zoedepth(tmp_path)), device="cpu")
    assert model.predict(_images()).shape == (2, 48, 160)


def test_zoedepth_flip_is_the_mean_of_the_plain_and_the_mirrored_pass(tmp_path):
    folder = str(tiny_weights.write_zoedepth(tmp_path))
    flipped = lookup("models", "zoedepth").factory(weights=folder)
    single = lookup("models", "zoedepth").factory(weights=folder, flip=False)
    images = _images(3)
    expected = 0.5 * (single.predict(images) + single.predict(images.flip(-1)).flip(-1))
    torch.testing.assert_close(flipped.predict(images), expected, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(single.predict(images), expected, rtol=1e-3)  # the flip does change the prediction


def test_an_option_the_model_does_not_take_is_one_line(tmp_path):
    with pytest.raises(UdebenchError, match=r"model 'dpt': unknown option\(s\) flip \(options: none\)"):
        lookup("models", "dpt").factory(weights=str(tiny_weights.write_dpt(tmp_path)), flip=False)


# --- Depth Pro: metres from the focal length --------------------------------------------------------------------------

def test_depth_pro_depth_scales_with_the_split_focal_length(tmp_path):
    model = udebench.load_model("depth_pro", weights=str(tiny_weights.write_depth_pro(tmp_path)), device="cpu")
    images = _images(4)
    near, far = model.predict(images, _intrinsics(100.0)), model.predict(images, _intrinsics(200.0))
    unclamped = (near > 1e-4) & (far < 1e4)  # the inverse depth is clamped to [1e-4, 1e4], as Depth Pro's own
    assert near.shape == (2, 48, 160) and unclamped.float().mean() > 0.9
    torch.testing.assert_close(far[unclamped], 2.0 * near[unclamped], rtol=1e-5, atol=0)


def test_depth_pro_without_intrinsics_uses_its_predicted_field_of_view(tmp_path):
    model = udebench.load_model("depth_pro", weights=str(tiny_weights.write_depth_pro(tmp_path)), device="cpu")
    images = _images(5)
    with torch.no_grad():
        fov = model.module(pixel_values=(torch.nn.functional.interpolate(
            images, size=(64, 64), mode="bilinear", align_corners=False, antialias=True) - 0.5) / 0.5).field_of_view
    focal = 0.5 * 160 / torch.tan(0.5 * fov * math.pi / 180)
    unit = model.predict(images, _intrinsics(1.0))
    unclamped = (unit * focal.abs().view(-1, 1, 1) < 1e4) & (unit > 1e-4)
    expected = unit * focal.view(-1, 1, 1)  # depth ∝ f
    torch.testing.assert_close(model.predict(images)[unclamped], expected[unclamped], rtol=1e-4, atol=1e-6)


def test_depth_pro_without_a_field_of_view_head_needs_intrinsics(tmp_path):
    folder = tiny_weights.write_depth_pro(tmp_path, use_fov_model=False)
    model = udebench.load_model("depth_pro", weights=str(folder), device="cpu")
    assert np.isfinite(model.predict(_images(), _intrinsics(100.0)).numpy()).all()
    with pytest.raises(UdebenchError, match="no field-of-view head"):
        model.predict(_images())


# --- every model, through the CLI, from the layout users have ---------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", HF_MODELS)
def test_cli_evaluates_the_tiny_checkpoint_in_its_real_layout(tmp_path, name):
    spec = lookup("models", name)
    summary = cli_evaluate(name, spec.test_weights(tmp_path / "weights"), tmp_path / "r.sqlite")
    assert summary["n_samples"] == 2 and summary["alignment"] == spec.default_alignment
    assert np.isfinite(summary["metrics"]["abs_rel"])


# --- the same checkpoint means the same thing in the UDE plugin ------------------------------------------------------

@pytest.mark.parametrize("metric", [False, True])
def test_ude_models_refuse_a_depth_anything_checkpoint_and_name_the_model_that_reads_it(tmp_path, metric):
    pytest.importorskip("udebench_ude")
    from udebench_ude.weights import load_net

    folder = tiny_weights.write_depth_anything(tmp_path, metric=metric)
    kind = "metric" if metric else "relative"
    with pytest.raises(UdebenchError, match=rf"a {kind} Depth Anything checkpoint.*--model depth_anything"):
        load_net(folder)
