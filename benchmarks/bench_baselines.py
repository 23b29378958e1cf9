"""Images per second of each udebench-baselines model at its real size (random weights), on synth frames.

Every architecture is built from its published configuration (the released checkpoints' config.json /
the papers' networks) with random weights — nothing is downloaded — and wrapped in the same adapter
its factory returns (input resizing, normalisation, post-processing), so the timing is that of
``udebench evaluate`` minus data loading and scoring. Printed beside each: the parameter count,
with the published one where the paper or model card states it (a check that the architecture is
the real one).

    python benchmarks/bench_baselines.py --device cuda --images 64 --batch-size 8
    python benchmarks/bench_baselines.py --models monodepth2,md4all,depth_anything --images 8   # CPU

Marigold runs its default 1 denoising step per image here (``--marigold-steps``); its published
evaluation uses more (v1-0: 50 steps × 10 ensemble members), which divides the rate accordingly.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

#: parameters published for the configuration built here (None: not stated where we looked).
PUBLISHED_PARAMETERS_M: dict[str, float | None] = {
    "monodepth2": 14.3,  # ResNet-18 depth network (Godard et al. 2019, and the papers that compare with it)
    "md4all": 14.3,  # the same network
    "depth_anything": 24.8,  # ViT-S (Depth Anything V2 paper, model table)
    "depth_anything_v2": 24.8,  # ViT-S
    "dpt": 344.0,  # DPT-Large (Ranftl et al. 2021)
    "zoedepth": None,
    "depth_pro": None,
    "marigold": 865.9,  # the Stable Diffusion 2 U-Net Marigold fine-tunes (its VAE and text encoder not counted)
}
CPU_DEFAULT = ("monodepth2", "md4all", "depth_anything", "depth_anything_v2")


def _monodepth2(name: str) -> Any:
    from udebench_baselines import monodepth2_model
    from udebench_baselines.monodepth2_net import build_network
    from udebench_baselines.specs import MD4ALL, MONODEPTH2

    from udebench.plugin import DepthModel

    spec = MONODEPTH2 if name == "monodepth2" else MD4ALL  # KITTI 640×192; md4all's nuScenes 576×320
    height, width = spec.input_size
    net = build_network(seed=0, height=height, width=width, max_depth=100.0 if name == "monodepth2" else 80.0)
    return DepthModel(spec, net, mean=net.mean, std=net.std, forward=monodepth2_model.predict_depth), net


def _dinov2(hidden: int, layers: int, heads: int, out_indices: list[int]) -> Any:
    from transformers import Dinov2Config

    return Dinov2Config(image_size=518, patch_size=14, hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=heads, intermediate_size=4 * hidden, out_indices=out_indices,
                        reshape_hidden_states=False)


def _depth_anything(name: str) -> Any:
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation
    from udebench_baselines.hf_models import DEFAULT_PREPROCESSING, ResizedForward
    from udebench_baselines.specs import DEPTH_ANYTHING, DEPTH_ANYTHING_V2

    from udebench.plugin import DepthModel

    # the released small checkpoints: v1 taps the last four layers, v2 every third
    out_indices = [9, 10, 11, 12] if name == "depth_anything" else [3, 6, 9, 12]
    config = DepthAnythingConfig(backbone_config=_dinov2(384, 12, 6, out_indices), reassemble_hidden_size=384,
                                 neck_hidden_sizes=[48, 96, 192, 384], fusion_hidden_size=64, head_hidden_size=32)
    module = DepthAnythingForDepthEstimation(config).eval()
    prep = DEFAULT_PREPROCESSING["depth_anything"]
    spec = DEPTH_ANYTHING if name == "depth_anything" else DEPTH_ANYTHING_V2
    return DepthModel(spec, module, mean=prep.mean, std=prep.std, forward=ResizedForward(prep)), module


def _dpt(name: str) -> Any:
    from transformers import DPTConfig, DPTForDepthEstimation
    from udebench_baselines.hf_models import DEFAULT_PREPROCESSING, ResizedForward
    from udebench_baselines.specs import DPT

    from udebench.plugin import DepthModel

    config = DPTConfig(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096,
                       image_size=384, patch_size=16, backbone_out_indices=[5, 11, 17, 23],
                       neck_hidden_sizes=[256, 512, 1024, 1024], fusion_hidden_size=256)  # DPT-Large
    module = DPTForDepthEstimation(config).eval()
    prep = DEFAULT_PREPROCESSING["dpt"]
    return DepthModel(DPT, module, mean=prep.mean, std=prep.std, forward=ResizedForward(prep)), module


def _zoedepth(name: str) -> Any:
    from transformers import BeitConfig, ZoeDepthConfig, ZoeDepthForDepthEstimation
    from udebench_baselines.hf_models import DEFAULT_PREPROCESSING, ZoeDepthForward
    from udebench_baselines.specs import ZOEDEPTH

    from udebench.plugin import DepthModel

    backbone = BeitConfig(image_size=384, patch_size=16, hidden_size=1024, num_hidden_layers=24,
                          num_attention_heads=16, intermediate_size=4096, out_indices=[6, 12, 18, 24],
                          reshape_hidden_states=False, use_relative_position_bias=True,
                          use_absolute_position_embeddings=False)  # BEiT-L/384, as ZoeD-M12-K
    config = ZoeDepthConfig(backbone_config=backbone, bin_configurations=[
        {"n_bins": 64, "min_depth": 0.001, "max_depth": 80.0, "name": "kitti"}])
    module = ZoeDepthForDepthEstimation(config).eval()
    prep = DEFAULT_PREPROCESSING["zoedepth"]
    return DepthModel(ZOEDEPTH, module, mean=prep.mean, std=prep.std, forward=ZoeDepthForward(prep)), module


def _depth_pro(name: str) -> Any:
    from transformers import DepthProConfig, DepthProForDepthEstimation
    from udebench_baselines.hf_models import DEFAULT_PREPROCESSING, DepthProForward
    from udebench_baselines.specs import DEPTH_PRO

    from udebench.plugin import DepthModel

    encoder = {"model_type": "dinov2", "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16,
               "intermediate_size": 4096, "patch_size": 16, "image_size": 384}  # DINOv2-L/16 ×3
    config = DepthProConfig(use_fov_model=True, image_model_config=dict(encoder), patch_model_config=dict(encoder),
                            fov_model_config=dict(encoder))
    module = DepthProForDepthEstimation(config).eval()
    prep = DEFAULT_PREPROCESSING["depth_pro"]
    return DepthModel(DEPTH_PRO, module, mean=prep.mean, std=prep.std, forward=DepthProForward(prep)), module


def _marigold(name: str, steps: int = 1) -> Any:
    import tempfile
    from pathlib import Path

    from diffusers import AutoencoderKL, DDIMScheduler, MarigoldDepthPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer
    from udebench_baselines.marigold import MarigoldForward, MarigoldOptions, marigold_module
    from udebench_baselines.specs import MARIGOLD
    from udebench_baselines.tiny_weights import _clip_bpe_files

    from udebench.plugin import DepthModel

    with tempfile.TemporaryDirectory() as tmp:  # the prompt is empty: a byte-level vocabulary encodes it
        tokenizer = CLIPTokenizer(*(str(p) for p in _clip_bpe_files(Path(tmp))), model_max_length=77)
    text_encoder = CLIPTextModel(CLIPTextConfig(  # SD 2's OpenCLIP ViT-H text tower
        vocab_size=49408, hidden_size=1024, intermediate_size=4096, num_attention_heads=16, num_hidden_layers=23,
        max_position_embeddings=77, projection_dim=1024, hidden_act="gelu"))
    unet = UNet2DConditionModel(  # SD 2's U-Net with Marigold's 8 input channels (image + depth latents)
        sample_size=96, in_channels=8, out_channels=4, block_out_channels=(320, 640, 1280, 1280),
        cross_attention_dim=1024, attention_head_dim=(5, 10, 20, 20), use_linear_projection=True)
    vae = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(128, 256, 512, 512),
                        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                        layers_per_block=2, sample_size=768)
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
                              set_alpha_to_one=False, prediction_type="v_prediction", timestep_spacing="trailing")
    pipe = MarigoldDepthPipeline(unet=unet, vae=vae, scheduler=scheduler, text_encoder=text_encoder,
                                 tokenizer=tokenizer, prediction_type="depth", default_denoising_steps=steps,
                                 default_processing_resolution=768)
    pipe.set_progress_bar_config(disable=True)
    module = marigold_module(pipe).eval()
    return DepthModel(MARIGOLD, module, forward=MarigoldForward(MarigoldOptions(steps=steps))), unet


BUILDERS: dict[str, Callable[[str], Any]] = {
    "monodepth2": _monodepth2, "md4all": _monodepth2, "depth_anything": _depth_anything,
    "depth_anything_v2": _depth_anything, "dpt": _dpt, "zoedepth": _zoedepth, "depth_pro": _depth_pro,
    "marigold": _marigold,
}


def _synth_batches(n_images: int, batch_size: int) -> list[Any]:
    import numpy as np
    import torch

    from udebench.plugin import get_split

    split = get_split("synth-night")
    images = [split[i]["image"] for i in range(min(n_images, len(split)))]
    intrinsics = [np.asarray(split[i]["intrinsics"], dtype=np.float32) for i in range(len(images))]
    batches = []
    for start in range(0, len(images), batch_size):
        x = torch.from_numpy(np.stack(images[start:start + batch_size])).permute(0, 3, 1, 2).float() / 255
        k = torch.from_numpy(np.stack(intrinsics[start:start + batch_size]))
        batches.append((x, k))
    return batches


def measure(name: str, batches: list[Any], device: str, steps: int) -> tuple[float, float]:
    """(parameters in millions, images per second) of model ``name`` over ``batches`` after one warm-up batch."""
    import torch

    builder = BUILDERS[name]
    model, counted = builder(name, steps) if name == "marigold" else builder(name)
    model.to(device)
    parameters = sum(p.numel() for p in counted.parameters()) / 1e6

    def sync() -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    model.predict(batches[0][0].to(device), batches[0][1].to(device))  # warm-up (and cuDNN autotuning)
    sync()
    start, n = time.perf_counter(), 0
    for x, k in batches:
        model.predict(x.to(device), k.to(device))
        n += x.shape[0]
    sync()
    return parameters, n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1 [default: cuda when present]")
    parser.add_argument("--models", default=None,
                        help=f"comma-separated [default: all on a GPU; {','.join(CPU_DEFAULT)} on a CPU]")
    parser.add_argument("--images", type=int, default=16, help="synth-night frames to time (after one warm-up batch)")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--marigold-steps", type=int, default=1)
    args = parser.parse_args()

    import torch

    from udebench.plugin import resolve_device

    device = resolve_device(args.device)
    names = args.models.split(",") if args.models else list(BUILDERS if device != "cpu" else CPU_DEFAULT)
    unknown = [name for name in names if name not in BUILDERS]
    if unknown:
        raise SystemExit(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(BUILDERS)}")
    batches = _synth_batches(args.images + args.batch_size, args.batch_size)
    height, width = batches[0][0].shape[-2:]
    gpu = torch.cuda.get_device_name(torch.device(device)) if device.startswith("cuda") else "CPU"
    print(f"udebench-baselines at real size, random weights; synth-night {height}x{width}, batch {args.batch_size}, "
          f"{args.images} images after 1 warm-up batch; device {device} ({gpu}), torch threads "
          f"{torch.get_num_threads()}")
    print(f"{'model':<20} {'params (M)':>11} {'published (M)':>14} {'images/s':>10}")
    for name in names:
        try:
            parameters, rate = measure(name, batches, device, args.marigold_steps)
        except (torch.cuda.OutOfMemoryError, MemoryError) as exc:
            print(f"{name:<20} out of memory ({exc.__class__.__name__})")
            continue
        published = PUBLISHED_PARAMETERS_M.get(name)
        print(f"{name:<20} {parameters:>11.1f} {published if published is not None else '—':>14} {rate:>10.2f}",
              flush=True)
        if device.startswith("cuda"):
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
