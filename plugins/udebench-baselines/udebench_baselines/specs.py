"""What udebench-baselines registers: one ModelSpec per model, and factories that import torch only when called."""

from __future__ import annotations

from pathlib import Path

from udebench.plugin import ModelSpec


def build_monodepth2(weights: str | None = None, device: str | None = None):
    from udebench_baselines import monodepth2_model

    return monodepth2_model.build(MONODEPTH2, weights)


def monodepth2_network(seed: int | None = None, **arch):
    from udebench_baselines.monodepth2_net import build_network

    return build_network(seed=seed, **arch)


def build_md4all(weights: str | None = None, device: str | None = None):
    from udebench_baselines import md4all

    return md4all.build(MD4ALL, weights)


def md4all_test_weights(folder: Path) -> str:
    from udebench_baselines.tiny_weights import write_md4all

    return str(write_md4all(Path(folder)))


def monodepth2_test_weights(folder: Path) -> str:
    from udebench_baselines.tiny_weights import write_monodepth2

    return str(write_monodepth2(Path(folder)))


def _hf_factory(name: str):
    """The factory of the transformers model ``name`` (looked up when called, so registering stays cheap)."""

    def factory(weights: str | None = None, device: str | None = None, **options):
        from udebench_baselines import hf_models

        return hf_models.build(_HF_SPECS[name], weights, **options)

    factory.__name__ = f"build_{name}"
    return factory


def _tiny(writer: str, subfolder: str, **kwargs):
    """``ModelSpec.test_weights`` calling ``tiny_weights.<writer>(folder / subfolder)``."""

    def test_weights(folder: Path) -> str:
        from udebench_baselines import tiny_weights

        return str(getattr(tiny_weights, writer)(Path(folder) / subfolder, **kwargs))

    return test_weights


HF_HELP = "save_pretrained folder (config.json + model.safetensors [+ preprocessor_config.json]) or hub cache folder"

MONODEPTH2 = ModelSpec(
    name="monodepth2", factory=build_monodepth2, output="relative_depth",
    description="Monodepth2 (Godard et al. 2019): ResNet-18 U-Net, self-supervised, sigmoid disparity",
    input_size=(192, 640), weights_env="UDEBENCH_MONODEPTH2_WEIGHTS",
    weights_help="official release folder (encoder.pth + depth.pth, e.g. mono_640x192) or a udebench "
                 ".safetensors file (+ .json card); default: the shipped synth-trained file",
    network=monodepth2_network, test_weights=monodepth2_test_weights,
)

#: Why ``metric_depth``: md4all's baseline learns metric scale from its weak velocity loss and the AD/DD
#: models learn from it (DD distils the baseline's depth), and md4all evaluates without median scaling.
#: On data from another camera (synth) that scale does not transfer: add ``--align median``.
MD4ALL = ModelSpec(
    name="md4all", factory=build_md4all, output="metric_depth",
    description="md4all-AD/DD (Gasperini et al. 2023): Monodepth2 network, day-and-night robust; velocity-scaled",
    input_size=(320, 576), weights_env="UDEBENCH_MD4ALL_WEIGHTS",
    weights_help="md4all .ckpt (md4allDDa_nuscenes.ckpt, ...) or a folder with one, or a udebench .safetensors",
    network=monodepth2_network, test_weights=md4all_test_weights,
)

#: Depth Anything's output kind depends on the checkpoint (``depth_estimation_type`` in its config.json):
#: relative ones (registered kind) predict affine-invariant disparity, metric ones metres; the loaded model's
#: spec says which, and evaluation's default alignment follows it.
DEPTH_ANYTHING = ModelSpec(
    name="depth_anything", factory=_hf_factory("depth_anything"), output="affine_disparity",
    description="Depth Anything v1 (Yang et al. 2024): DINOv2 + DPT; relative → affine disparity, metric → metres",
    weights_env="UDEBENCH_DEPTH_ANYTHING_WEIGHTS", weights_help=HF_HELP + "; default LiheYoung/depth-anything-small-hf",
    test_weights=_tiny("write_depth_anything", "depth_anything_tiny"),
)
DEPTH_ANYTHING_V2 = ModelSpec(
    name="depth_anything_v2", factory=_hf_factory("depth_anything_v2"), output="affine_disparity",
    description="Depth Anything V2 (Yang et al. 2024): DINOv2 + DPT; relative → affine disparity, metric → metres",
    weights_env="UDEBENCH_DEPTH_ANYTHING_V2_WEIGHTS",
    weights_help=HF_HELP + "; default depth-anything/Depth-Anything-V2-Small-hf",
    test_weights=_tiny("write_depth_anything", "depth_anything_v2_tiny"),
)
DPT = ModelSpec(
    name="dpt", factory=_hf_factory("dpt"), output="affine_disparity",
    description="DPT / MiDaS v3 (Ranftl et al. 2021), Hybrid or Large: affine-invariant disparity",
    weights_env="UDEBENCH_DPT_WEIGHTS", weights_help=HF_HELP + "; default Intel/dpt-hybrid-midas",
    test_weights=_tiny("write_dpt", "dpt_tiny"),
)
ZOEDEPTH = ModelSpec(
    name="zoedepth", factory=_hf_factory("zoedepth"), output="metric_depth",
    description="ZoeDepth (Bhat et al. 2023): metric bins on a MiDaS/BEiT backbone; padded, flip-averaged",
    weights_env="UDEBENCH_ZOEDEPTH_WEIGHTS", weights_help=HF_HELP + "; default Intel/zoedepth-kitti",
    test_weights=_tiny("write_zoedepth", "zoedepth_tiny"),
)
DEPTH_PRO = ModelSpec(
    name="depth_pro", factory=_hf_factory("depth_pro"), output="metric_depth",
    description="Depth Pro (Bochkovskii et al. 2024): metric depth scaled by the split's focal length",
    weights_env="UDEBENCH_DEPTH_PRO_WEIGHTS", weights_help=HF_HELP + "; default apple/DepthPro-hf",
    test_weights=_tiny("write_depth_pro", "depth_pro_tiny"),
)


def build_marigold(weights: str | None = None, device: str | None = None, **options):
    """``options``: steps, ensemble_size, processing_resolution, seed (see udebench_baselines.marigold)."""
    from udebench_baselines import marigold

    return marigold.build(MARIGOLD, weights, **options)


MARIGOLD = ModelSpec(
    name="marigold", factory=build_marigold, output="affine_depth",
    description="Marigold (Ke et al. 2024): Stable Diffusion fine-tuned for affine-invariant depth (diffusers)",
    weights_env="UDEBENCH_MARIGOLD_WEIGHTS",
    weights_help="diffusers save_pretrained folder (model_index.json + unet, vae, scheduler, text_encoder, "
                 "tokenizer) or hub cache folder; default prs-eth/marigold-depth-v1-1",
    test_weights=_tiny("write_marigold", "marigold_tiny"),
)
_HF_SPECS = {spec.name: spec for spec in (DEPTH_ANYTHING, DEPTH_ANYTHING_V2, DPT, ZOEDEPTH, DEPTH_PRO)}

#: everything the plugin registers, in the order ``udebench list`` users read about them in docs/baselines.md.
MODELS = (MONODEPTH2, MD4ALL, DEPTH_ANYTHING, DEPTH_ANYTHING_V2, DPT, ZOEDEPTH, DEPTH_PRO, MARIGOLD)
