"""GDT: SD1.5 + depth ControlNet + IP-Adapter, on tiny random weights saved in the layout of the real downloads and
loaded through the same code path as real weights (2 steps at 64 px on the CPU)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("diffusers")
pytest.importorskip("udebench_ude")

from udebench_ude.gdt.control import adjust_brightness, control_image, diffusion_size, disparity_of  # noqa: E402
from udebench_ude.gdt.options import GDTOptions  # noqa: E402
from udebench_ude.gdt.prompts import image_key  # noqa: E402
from udebench_ude.gdt.style import StylePool, style_index  # noqa: E402
from udebench_ude.gdt.translator import GDTTranslator  # noqa: E402
from udebench_ude.gdt.weights import fingerprint, locate_weights  # noqa: E402

import udebench  # noqa: E402
from udebench.errors import UdebenchError  # noqa: E402
from udebench.plugin import build_translator  # noqa: E402

FAST = {"size": 64, "steps": 2}
REPOS = {"stable-diffusion-v1-5": "stable-diffusion-v1-5/stable-diffusion-v1-5",
         "control_v11f1p_sd15_depth": "lllyasviel/control_v11f1p_sd15_depth", "IP-Adapter": "h94/IP-Adapter"}


@pytest.fixture(scope="module")
def ude():
    import udebench_ude.plugin

    from udebench.testing import plugin_registered

    with plugin_registered(udebench_ude.plugin, name="ude") as plugin:
        yield plugin


@pytest.fixture(scope="module")
def tiny_weights(ude, tmp_path_factory) -> Path:
    """The registered spec's ``test_weights``: what tests and the conformance kit use."""
    from udebench.plugins import lookup

    return Path(lookup("translators", "gdt").test_weights(tmp_path_factory.mktemp("gdt") / "weights"))


@pytest.fixture(scope="module")
def gdt(tiny_weights) -> GDTTranslator:
    return build_translator("gdt", weights=str(tiny_weights), **FAST)


@pytest.fixture(scope="module")
def day_images(ude) -> list[np.ndarray]:
    split = udebench.get_split("synth-day", n_frames=3)
    return [split[i]["image"] for i in range(3)]


def variant(gdt: GDTTranslator, **options) -> GDTTranslator:
    """Another GDT over the same loaded pipeline (which has the IP-Adapter loaded: scale > 0)."""
    return GDTTranslator(gdt.pipe, gdt.depth_model, GDTOptions.from_kwargs(**{**FAST, **options}))


def level_diff(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.abs(a.astype(np.int64) - b.astype(np.int64)).max())


# -- the weights: real layout, real key names, found where users keep them --------------------------------------


def test_tiny_weights_have_the_layout_of_the_real_downloads(tiny_weights):
    expected = [
        "stable-diffusion-v1-5/model_index.json", "stable-diffusion-v1-5/unet/config.json",
        "stable-diffusion-v1-5/unet/diffusion_pytorch_model.safetensors", "stable-diffusion-v1-5/vae/config.json",
        "stable-diffusion-v1-5/vae/diffusion_pytorch_model.safetensors",
        "stable-diffusion-v1-5/text_encoder/config.json", "stable-diffusion-v1-5/text_encoder/model.safetensors",
        "stable-diffusion-v1-5/tokenizer/vocab.json", "stable-diffusion-v1-5/tokenizer/merges.txt",
        "stable-diffusion-v1-5/tokenizer/tokenizer_config.json",
        "stable-diffusion-v1-5/scheduler/scheduler_config.json",
        "stable-diffusion-v1-5/feature_extractor/preprocessor_config.json",
        "control_v11f1p_sd15_depth/config.json", "control_v11f1p_sd15_depth/diffusion_pytorch_model.safetensors",
        "IP-Adapter/models/ip-adapter_sd15.safetensors", "IP-Adapter/models/image_encoder/config.json",
        "IP-Adapter/models/image_encoder/model.safetensors"]
    assert [name for name in expected if not (tiny_weights / name).is_file()] == []
    vae = json.loads((tiny_weights / "stable-diffusion-v1-5/vae/config.json").read_text())
    assert 2 ** (len(vae["block_out_channels"]) - 1) == 8  # SD's VAE down-samples 8×
    tokenizer = json.loads((tiny_weights / "stable-diffusion-v1-5/tokenizer/tokenizer_config.json").read_text())
    assert tokenizer["model_max_length"] == 77


def test_ip_adapter_file_has_the_sd15_key_layout(tiny_weights, gdt):
    from safetensors.torch import load_file

    state = load_file(str(tiny_weights / "IP-Adapter/models/ip-adapter_sd15.safetensors"))
    # the tiny UNet has 4 cross-attention layers, each after a self-attention: original numbering 1, 3, 5, 7
    layers = [1, 3, 5, 7]
    assert set(state) == {"image_proj.proj.weight", "image_proj.proj.bias", "image_proj.norm.weight",
                          "image_proj.norm.bias"} | {f"ip_adapter.{k}.to_{kv}_ip.weight" for k in layers
                                                     for kv in "kv"}
    cross, clip = 32, 16  # UNet cross-attention width, CLIP image-embedding width
    assert state["image_proj.proj.weight"].shape == (4 * cross, clip)  # 4 image tokens
    assert sorted(state[f"ip_adapter.{k}.to_k_ip.weight"].shape[0] for k in layers) == [8, 8, 8, 16]
    # diffusers' loader put each of them where it belongs
    loaded = [p for p in gdt.pipe.unet.attn_processors.values() if hasattr(p, "to_k_ip")]
    assert sorted(float(p.to_k_ip[0].weight.detach().sum()) for p in loaded) == pytest.approx(
        sorted(float(state[f"ip_adapter.{k}.to_k_ip.weight"].sum()) for k in layers), abs=1e-5)


def test_gdt_runs_the_controlnet_img2img_pipeline_with_sdpa_attention(gdt):
    from diffusers import StableDiffusionControlNetImg2ImgPipeline
    from diffusers.models.attention_processor import AttnProcessor2_0, IPAdapterAttnProcessor2_0

    assert isinstance(gdt.pipe, StableDiffusionControlNetImg2ImgPipeline)
    processors = list(gdt.pipe.unet.attn_processors.items())
    assert all(isinstance(p, IPAdapterAttnProcessor2_0 if name.endswith("attn2.processor") else AttnProcessor2_0)
               for name, p in processors)
    assert all(isinstance(p, AttnProcessor2_0) for p in gdt.pipe.controlnet.attn_processors.values())


def test_weights_fingerprint_follows_content_not_path(tiny_weights, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_weights, copy)
    same = fingerprint(locate_weights(str(tiny_weights)), "depth")
    assert fingerprint(locate_weights(str(copy)), "depth") == same
    assert fingerprint(locate_weights(str(copy)), "other depth model") != same
    unet = copy / "stable-diffusion-v1-5/unet/diffusion_pytorch_model.safetensors"
    unet.write_bytes(unet.read_bytes()[:-1] + b"\0")
    assert fingerprint(locate_weights(str(copy)), "depth") != same


def test_missing_parts_are_one_error_saying_what_where_and_which_repo(tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    (tmp_path / "w" / "stable-diffusion-v1-5").mkdir(parents=True)
    with pytest.raises(UdebenchError) as error:
        locate_weights(str(tmp_path / "w"))
    message = str(error.value)
    assert "\n" not in message
    for folder, repo in REPOS.items():
        assert str(tmp_path / "w" / folder) in message and repo in message
    assert str(tmp_path / "hf") in message and "model_index.json" in message
    assert "ip-adapter_sd15.safetensors or models/ip-adapter_sd15.bin" in message


def test_without_the_ip_adapter_its_part_is_not_required(tiny_weights, tmp_path):
    shutil.copytree(tiny_weights, tmp_path / "w", ignore=shutil.ignore_patterns("IP-Adapter"))
    located = locate_weights(str(tmp_path / "w"), ip_adapter=False)
    assert located.ip_adapter is None and located.controlnet == tmp_path / "w" / "control_v11f1p_sd15_depth"


def _fake_hf_cache(cache: Path, repo: str, source: Path) -> Path:
    """``source`` as the Hugging Face cache keeps a snapshot of ``repo`` (refs/main → snapshots/<commit>/)."""
    folder = cache / ("models--" + repo.replace("/", "--"))
    (folder / "refs").mkdir(parents=True)
    (folder / "refs" / "main").write_text("0123abcd")
    shutil.copytree(source, folder / "snapshots" / "0123abcd")
    return folder / "snapshots" / "0123abcd"


def test_parts_missing_from_the_folder_come_from_the_hf_cache_by_repo_id(tiny_weights, tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    controlnet = _fake_hf_cache(tmp_path / "hf", REPOS["control_v11f1p_sd15_depth"],
                                tiny_weights / "control_v11f1p_sd15_depth")
    ip_adapter = _fake_hf_cache(tmp_path / "hf", REPOS["IP-Adapter"], tiny_weights / "IP-Adapter")
    shutil.copytree(tiny_weights / "stable-diffusion-v1-5", tmp_path / "w" / "stable-diffusion-v1-5")
    located = locate_weights(str(tmp_path / "w"))
    assert (located.stable_diffusion, located.controlnet, located.ip_adapter) == (
        tmp_path / "w" / "stable-diffusion-v1-5", controlnet, ip_adapter)
    assert located.ip_adapter_file == "ip-adapter_sd15.safetensors"


@pytest.mark.slow
def test_gdt_from_the_hf_cache_alone_translates_like_from_the_folder(tiny_weights, gdt, day_images, tmp_path,
                                                                     monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.delenv("UDEBENCH_GDT_WEIGHTS", raising=False)
    for folder, repo in REPOS.items():
        _fake_hf_cache(tmp_path / "hf", repo, tiny_weights / folder)
    cached = build_translator("gdt", **FAST)
    np.testing.assert_array_equal(cached(day_images[0], "night", seed=1), gdt(day_images[0], "night", seed=1))
    assert cached.weights_sha256 == gdt.weights_sha256


@pytest.mark.slow
def test_the_original_bin_ip_adapter_file_loads_too(ude, tiny_weights, gdt, day_images, tmp_path):
    from udebench_ude.gdt.tiny import write_tiny_weights

    write_tiny_weights(tmp_path / "bin", ip_adapter_format="bin")
    assert not (tmp_path / "bin/IP-Adapter/models/ip-adapter_sd15.safetensors").exists()
    from_bin = build_translator("gdt", weights=str(tmp_path / "bin"), **FAST)
    np.testing.assert_array_equal(from_bin(day_images[0], "rain", seed=2), gdt(day_images[0], "rain", seed=2))


# -- translating ---------------------------------------------------------------------------------------------------


def test_gdt_translates_the_conditions_its_spec_declares(gdt):
    from udebench.plugins import lookup

    assert gdt.conditions == lookup("translators", "gdt").conditions == ("night", "rain", "fog", "snow")
    assert lookup("translators", "gdt").cheap is False


def test_translation_is_a_source_sized_uint8_image_fixed_by_its_seed(gdt, day_images):
    out = gdt(day_images[0], "night", seed=7)
    assert out.shape == day_images[0].shape and out.dtype == np.uint8
    np.testing.assert_array_equal(gdt(day_images[0], "night", seed=7), out)
    assert level_diff(gdt(day_images[0], "night", seed=8), out) > 10


def test_image_i_of_a_batch_equals_the_single_call_with_seeds_i(gdt, day_images):
    seeds = [11, 12, 13]
    batch = torch.from_numpy(np.stack(day_images)).permute(0, 3, 1, 2).float() / 255
    out = (gdt.translate_batch(batch, "snow", seeds=seeds) * 255).round().byte().permute(0, 2, 3, 1).numpy()
    for image, seed, batched in zip(day_images, seeds, out, strict=True):
        assert level_diff(batched, gdt(image, "snow", seed=seed)) <= 1  # float sums in another order


class RecordingPipe:
    """The pipeline, recording what each call was given."""

    def __init__(self, pipe) -> None:
        self.pipe = pipe
        self.calls: list[dict] = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return self.pipe(**kwargs)

    def __getattr__(self, name: str):
        return getattr(self.pipe, name)


def recorded(gdt: GDTTranslator, **options) -> tuple[GDTTranslator, RecordingPipe]:
    pipe = RecordingPipe(gdt.pipe)
    return GDTTranslator(pipe, gdt.depth_model, GDTOptions.from_kwargs(**{**FAST, **options})), pipe


def test_the_control_image_is_the_depth_map_near_bright(gdt, day_images):
    translator, pipe = recorded(gdt)
    h, w = day_images[0].shape[:2]
    near_top = np.tile(np.linspace(2, 60, h, dtype=np.float32)[:, None], (1, w))
    translator(day_images[0], "fog", depth=near_top, seed=3)
    control = pipe.calls[0]["control_image"]
    assert control.shape == (1, 3, 64, 192) and torch.equal(control[:, 0], control[:, 2])
    rows = control[0, 0].mean(dim=1).numpy()
    assert rows[0] == pytest.approx(1, abs=0.02) and rows[-1] == pytest.approx(0, abs=0.02)
    assert np.all(np.diff(rows) <= 1e-6)  # nearer (top) is brighter, all the way down
    # disparity 1/d is min-max normalised: the middle row, d ≈ 31 m, sits at (1/31 − 1/60) / (1/2 − 1/60)
    assert rows[32] == pytest.approx((1 / near_top[24, 0] - 1 / 60) / (1 / 2 - 1 / 60), abs=0.03)


def test_without_a_depth_map_the_depth_models_prediction_is_the_structure(gdt, day_images):
    translator, pipe = recorded(gdt)
    translator(day_images[0], "fog", seed=3)
    image = torch.from_numpy(day_images[0]).permute(2, 0, 1)[None].float() / 255
    predicted = gdt.depth_model.predict(image)[0]  # ude_teacher: metric depth
    predicted = torch.nn.functional.interpolate(predicted[None, None], size=day_images[0].shape[:2],
                                                mode="bilinear", align_corners=False)[0, 0].numpy()
    translator(day_images[0], "fog", depth=predicted, seed=3)
    assert torch.allclose(pipe.calls[0]["control_image"], pipe.calls[1]["control_image"], atol=0.05)


def test_img2img_starts_from_the_source_image_with_the_strength_asked(gdt, day_images):
    translator, pipe = recorded(gdt, strength=0.6)
    translator(day_images[0], "rain", seed=3)
    call = pipe.calls[0]
    assert call["strength"] == 0.6 and call["image"].shape == (1, 3, 64, 192)
    assert float(call["image"].mean()) == pytest.approx(day_images[0].mean() / 255, abs=0.01)
    assert call["prompt"] == [GDTOptions().prompts["rain"]]
    assert call["negative_prompt"] == [GDTOptions().negative_prompt]


def test_txt2img_mode_draws_structure_from_the_control_image_alone(gdt, day_images):
    from diffusers import StableDiffusionControlNetPipeline

    pipe = RecordingPipe(StableDiffusionControlNetPipeline.from_pipe(gdt.pipe))
    translator = GDTTranslator(pipe, gdt.depth_model, GDTOptions.from_kwargs(mode="txt2img", **FAST))
    out = translator(day_images[0], "snow", seed=9)
    call = pipe.calls[0]
    assert out.shape == day_images[0].shape and "strength" not in call and "control_image" not in call
    assert call["image"].shape == (1, 3, 64, 192) and torch.equal(call["image"][:, 0], call["image"][:, 1])
    np.testing.assert_array_equal(translator(day_images[0], "snow", seed=9), out)


@pytest.mark.slow
def test_ip_adapter_scale_zero_equals_the_pipeline_without_the_adapter(tiny_weights, gdt, day_images):
    without = build_translator("gdt", weights=str(tiny_weights), ip_adapter_scale=0, **FAST)
    assert not hasattr(without.pipe.unet, "encoder_hid_proj") or without.pipe.unet.encoder_hid_proj is None
    reference = without(day_images[1], "rain", seed=5)
    with_adapter = gdt(day_images[1], "rain", seed=5)
    assert level_diff(with_adapter, reference) > 5  # at scale 0.5 the style image shows
    gdt.pipe.set_ip_adapter_scale(0.0)
    try:
        scaled_to_zero = gdt(day_images[1], "rain", seed=5)
    finally:
        gdt.pipe.set_ip_adapter_scale(float(gdt.gdt_options.ip_adapter_scale))
    assert level_diff(scaled_to_zero, reference) == 0


def test_night_brightness_darkens_night_images_in_linear_light(gdt, day_images):
    bright, dark = variant(gdt, night_brightness=1.0), variant(gdt, night_brightness=0.5)
    a, b = bright(day_images[0], "night", seed=4), dark(day_images[0], "night", seed=4)
    expected = np.round(a.astype(np.float64) * 0.5 ** (1 / 2.2))  # ((v/255)^2.2 · 0.5)^(1/2.2) · 255
    assert np.abs(b - expected).max() <= 1
    assert level_diff(bright(day_images[0], "rain", seed=4), dark(day_images[0], "rain", seed=4)) == 0


def test_style_images_change_the_translation(gdt, day_images, tmp_path):
    from PIL import Image

    for name, value in (("black", 0), ("white", 255)):
        (tmp_path / name).mkdir()
        Image.fromarray(np.full((64, 64, 3), value, np.uint8)).save(tmp_path / name / "style.png")
    black = variant(gdt, style_images=str(tmp_path / "black"), ip_adapter_scale=1.0)
    white = variant(gdt, style_images=str(tmp_path / "white"), ip_adapter_scale=1.0)
    gdt.pipe.set_ip_adapter_scale(1.0)
    try:
        assert level_diff(black(day_images[0], "night", seed=2), white(day_images[0], "night", seed=2)) > 5
    finally:
        gdt.pipe.set_ip_adapter_scale(float(gdt.gdt_options.ip_adapter_scale))


def test_a_caption_from_the_caption_file_joins_the_prompt(gdt, day_images, tmp_path):
    captions = tmp_path / "captions.json"
    captions.write_text(json.dumps({image_key(day_images[0]): "a red truck parked on the left"}))
    captioned = variant(gdt, captions=str(captions))
    plain = variant(gdt)
    assert level_diff(captioned(day_images[0], "rain", seed=6), plain(day_images[0], "rain", seed=6)) > 0
    assert level_diff(captioned(day_images[1], "rain", seed=6), plain(day_images[1], "rain", seed=6)) == 0


def test_a_captioner_gives_captions_the_file_lacks(gdt, day_images):
    captioned = variant(gdt, captioner="tests.test_gdt:caption_by_mean")
    plain = variant(gdt, prompts={"rain": f"{gdt.gdt_options.prompts['rain']}, {caption_by_mean(day_images[0])}"})
    np.testing.assert_array_equal(captioned(day_images[0], "rain", seed=6), plain(day_images[0], "rain", seed=6))


def caption_by_mean(image: np.ndarray) -> str:
    """A captioner for the test: says whether the image is bright."""
    return "bright street" if image.mean() > 100 else "dim street"


# -- options, style pools, maths ----------------------------------------------------------------------------------


def test_bad_options_are_one_line_errors_before_any_weights_load(ude):
    with pytest.raises(UdebenchError, match="unknown option.*strenght"):
        build_translator("gdt", weights="/nowhere", strenght=0.5)
    with pytest.raises(UdebenchError, match=r"strength=2: must be in \(0, 1\]"):
        build_translator("gdt", weights="/nowhere", strength=2)
    with pytest.raises(UdebenchError, match="--weights /nowhere: no such folder"):
        build_translator("gdt", weights="/nowhere")


def test_prompts_option_overrides_one_condition_and_keeps_the_others():
    options = GDTOptions.from_kwargs(prompts={"night": "midnight"})
    assert options.prompts["night"] == "midnight" and options.prompts["fog"] == GDTOptions().prompts["fog"]


def test_options_identity_leaves_out_the_device_and_resolves_the_dtype():
    identity = GDTOptions.from_kwargs(device="cpu").identity("float32")
    assert "device" not in identity and identity["dtype"] == "float32"
    assert GDTOptions.from_kwargs(**{k: v for k, v in identity.items() if k != "dtype"}) == GDTOptions(device=None)


def test_style_index_is_a_function_of_the_seed_that_reaches_every_image():
    picks = [style_index(seed, 8) for seed in range(200)]
    assert picks == [style_index(seed, 8) for seed in range(200)] and set(picks) == set(range(8))


def test_synth_style_images_are_renders_of_training_scenes_under_the_condition(ude):
    pool = StylePool("split:synth-train-{condition}", "night", pool_size=8)
    training = udebench.get_split("synth-train-night")
    np.testing.assert_array_equal(pool.pick(5), training[style_index(5, 8)]["image"])
    assert pool.size == 8


def test_a_test_split_is_refused_as_style_source(ude):
    with pytest.raises(ValueError, match="training split"):
        StylePool("split:synth-{condition}", "night", pool_size=8)


def test_style_folder_images_are_drawn_in_name_order(tmp_path):
    from PIL import Image

    for i in range(3):
        Image.fromarray(np.full((4, 4, 3), 50 * i, np.uint8)).save(tmp_path / f"{i}.png")
    pool = StylePool(str(tmp_path), "rain", pool_size=64)
    assert pool.size == 3 and int(pool.pick(9)[0, 0, 0]) == 50 * style_index(9, 3)


def test_control_image_is_min_max_inverse_depth_near_bright():
    depth = torch.tensor([[[2.0, 4.0], [8.0, 0.0]]])  # 0: no depth = farthest
    control = control_image(disparity_of(depth, "metric_depth"), (2, 2))
    # disparity .5, .25, .125, 0 → (x − 0) / .5
    expected = torch.tensor([[1.0, 0.5], [0.25, 0.0]])
    assert control.shape == (1, 3, 2, 2) and torch.allclose(control[0], expected.expand(3, 2, 2))


def test_affine_disparity_is_already_near_bright():
    control = control_image(disparity_of(torch.tensor([[[1.0, 3.0], [5.0, 5.0]]]), "affine_disparity"), (2, 2))
    assert torch.allclose(control[0, 0], torch.tensor([[0.0, 0.5], [1.0, 1.0]]))


@pytest.mark.parametrize(("height", "width", "short", "size"), [(900, 1600, 512, (512, 896)),
                                                                 (48, 160, 64, (64, 192)),
                                                                 (192, 640, 512, (512, 1728))])
def test_diffusion_size_keeps_the_aspect_on_a_64_pixel_grid(height, width, short, size):
    assert diffusion_size(height, width, short) == size


def test_brightness_adjustment_scales_linear_light():
    x = torch.tensor([0.0, 0.25, 1.0]).view(1, 3, 1, 1)
    assert torch.allclose(adjust_brightness(x, 0.5).flatten(), x.flatten() * 0.5 ** (1 / 2.2))


# -- through udebench translate ------------------------------------------------------------------------------------


def test_gdt_split_not_stored_names_the_translate_command(ude, monkeypatch, tmp_path):
    monkeypatch.setenv("UDEBENCH_CACHE", str(tmp_path))
    with pytest.raises(UdebenchError, match="udebench translate --split synth-day --translator gdt --condition night"):
        udebench.get_split("synth-day@gdt-night")


@pytest.mark.slow
def test_cli_translate_with_gdt_stores_a_split_that_evaluate_reads(ude, tiny_weights, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from udebench.cli import cli

    monkeypatch.setenv("UDEBENCH_CACHE", str(tmp_path / "cache"))
    runner = CliRunner()
    result = runner.invoke(cli, ["translate", "--split", "synth-day", "--translator", "gdt", "--condition", "night",
                                 "--limit", "2", "--batch-size", "2", "--weights", str(tiny_weights), "--option",
                                 "size=64", "--option", "steps=2", "--no-progress", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert (summary["split"], summary["n_translated"], summary["n_stored"]) == ("synth-day@gdt-night", 2, 2)
    record = json.loads(next(Path(summary["folder"]).glob("??/*.json")).read_text())
    assert record["options"]["steps"] == 2 and len(record["weights_sha256"]) == 64
    evaluated = runner.invoke(cli, ["evaluate", "--model", "ude_teacher", "--split", "synth-day@gdt-night",
                                    "--limit", "2", "--results", str(tmp_path / "r.sqlite"), "--no-progress",
                                    "--json"], catch_exceptions=False)
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.output.strip().splitlines()[-1])["n_samples"] == 2
    translated, source = udebench.get_split("synth-day@gdt-night"), udebench.get_split("synth-day")
    assert translated.stored is not None and translated.config["weights_sha256"] == record["weights_sha256"]
    np.testing.assert_array_equal(translated[1]["depth"], source[1]["depth"])
