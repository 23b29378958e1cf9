"""GDT speed: images/s of the ``gdt`` translator at the real SD1.5 + ControlNet depth + IP-Adapter sizes.

    python benchmarks/bench_gdt.py                       # GPU: 512×512, 20 steps, fp16, batch 4
    python benchmarks/bench_gdt.py --device cpu --size 64 --steps 2 --tiny --images 4   # runs anywhere

The networks are built from the published configs (numbers below, nothing downloaded) with random
weights: speed does not depend on the weights' values. Each image runs the depth model, the
IP-Adapter image encoder on its style image, ``steps × strength`` ControlNet+UNet steps under
classifier-free guidance (a doubled batch) and the VAE, as ``udebench translate`` does. Prints the
figure beside its goal (≥ 2 images/s on one H100-class GPU).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

GOAL_IMAGES_PER_S = 2.0

_DOWN = ("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D")
_UP = ("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D")
#: stable-diffusion-v1-5 unet/config.json
SD15_UNET = dict(sample_size=64, in_channels=4, out_channels=4, layers_per_block=2,
                 block_out_channels=(320, 640, 1280, 1280), down_block_types=_DOWN, up_block_types=_UP,
                 cross_attention_dim=768, attention_head_dim=8, norm_num_groups=32, norm_eps=1e-5, act_fn="silu",
                 downsample_padding=1, flip_sin_to_cos=True, freq_shift=0, mid_block_scale_factor=1)
#: lllyasviel/control_v11f1p_sd15_depth config.json
SD15_CONTROLNET = dict(in_channels=4, layers_per_block=2, block_out_channels=(320, 640, 1280, 1280),
                       down_block_types=_DOWN, cross_attention_dim=768, attention_head_dim=8, norm_num_groups=32,
                       norm_eps=1e-5, act_fn="silu", downsample_padding=1, flip_sin_to_cos=True, freq_shift=0,
                       conditioning_embedding_out_channels=(16, 32, 96, 256),
                       controlnet_conditioning_channel_order="rgb")
#: stable-diffusion-v1-5 vae/config.json
SD15_VAE = dict(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2,
                block_out_channels=(128, 256, 512, 512), down_block_types=("DownEncoderBlock2D",) * 4,
                up_block_types=("UpDecoderBlock2D",) * 4, norm_num_groups=32, act_fn="silu", sample_size=512,
                scaling_factor=0.18215)
#: stable-diffusion-v1-5 text_encoder/config.json (CLIP ViT-L/14 text tower)
SD15_TEXT = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                 num_attention_heads=12, max_position_embeddings=77, projection_dim=768, hidden_act="quick_gelu",
                 layer_norm_eps=1e-5, bos_token_id=0, eos_token_id=2, pad_token_id=1)
#: h94/IP-Adapter models/image_encoder/config.json (OpenCLIP ViT-H/14 vision tower)
IP_ADAPTER_IMAGE_ENCODER = dict(hidden_size=1280, intermediate_size=5120, num_hidden_layers=32,
                                num_attention_heads=16, image_size=224, patch_size=14, projection_dim=1024,
                                hidden_act="gelu", layer_norm_eps=1e-5)


def sd15_architecture():
    from udebench_ude.gdt.architecture import Architecture
    from udebench_ude.gdt.tiny import TINY

    return Architecture(unet=SD15_UNET, controlnet=SD15_CONTROLNET, vae=SD15_VAE, text_encoder=SD15_TEXT,
                        image_encoder=IP_ADAPTER_IMAGE_ENCODER, scheduler=TINY.scheduler,
                        feature_extractor=TINY.feature_extractor)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default=None, help="cuda, cpu [default: cuda when present]")
    parser.add_argument("--size", type=int, default=512, help="square source images, pixels")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--strength", type=float, default=1.0, help="img2img strength (1 = every step runs)")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--images", type=int, default=16, help="images timed (after one warm-up batch)")
    parser.add_argument("--dtype", default="auto", choices=("auto", "float16", "float32"))
    parser.add_argument("--tiny", action="store_true", help="the tests' tiny networks instead of the SD1.5 sizes")
    args = parser.parse_args()

    import numpy as np
    import torch
    from PIL import Image
    from udebench_ude.gdt.architecture import build_components
    from udebench_ude.gdt.options import GDTOptions
    from udebench_ude.gdt.pipeline import pipeline_from_components
    from udebench_ude.gdt.tiny import TINY
    from udebench_ude.gdt.translator import GDTTranslator, resolve_dtype

    from udebench import plugins
    from udebench.plugin import load_model, resolve_device

    device = resolve_device(args.device)
    dtype_name = resolve_dtype(args.dtype, device)
    arch = TINY if args.tiny else sd15_architecture()
    start = time.perf_counter()
    components = build_components(arch, seed=0, device=device, dtype=getattr(torch, dtype_name))
    pipe = pipeline_from_components(components, mode="img2img", scheduler="unipc", ip_adapter_scale=0.5,
                                    device=device)
    if "ude_teacher" not in plugins.registry()["models"]:
        import udebench_ude.plugin

        plugins.register_plugin(udebench_ude.plugin, name="ude")
    depth_model = load_model("ude_teacher", device=device)
    built = time.perf_counter() - start
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as styles:
        for i in range(4):
            Image.fromarray(rng.integers(0, 256, (args.size, args.size, 3), dtype=np.uint8)).save(
                Path(styles) / f"{i}.png")
        options = GDTOptions.from_kwargs(size=max(64, args.size // 64 * 64), steps=args.steps,
                                         strength=args.strength, style_images=styles, device=device)
        translator = GDTTranslator(pipe, depth_model, options, dtype=dtype_name)
        images = torch.from_numpy(rng.integers(0, 256, (args.batch_size, 3, args.size, args.size),
                                               dtype=np.uint8)).float() / 255
        translator.translate_batch(images, "night", seeds=list(range(args.batch_size)))  # warm-up
        if device.startswith("cuda"):
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        done = 0
        start = time.perf_counter()
        while done < args.images:
            translator.translate_batch(images, "night", seeds=[done + i for i in range(args.batch_size)])
            done += args.batch_size
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
    rate = done / seconds
    where = torch.cuda.get_device_name(device) if device.startswith("cuda") else "CPU"
    params = sum(p.numel() for name in ("unet", "controlnet", "vae", "text_encoder", "image_encoder")
                 for p in getattr(pipe, name).parameters())
    steps_run = int(args.steps * args.strength)
    print(f"gdt {'tiny' if args.tiny else 'SD1.5+ControlNet+IP-Adapter'} ({params / 1e6:.1f} M parameters, built in "
          f"{built:.1f} s) {args.size}x{args.size}, {steps_run} of {args.steps} steps, {dtype_name}, batch "
          f"{args.batch_size} on {where}: {rate:.3g} images/s ({seconds / done:.3g} s/image)")
    if device.startswith("cuda"):
        print(f"peak GPU memory: {torch.cuda.max_memory_allocated(device) / 2**30:.1f} GiB")
    print(f"reference: goal ≥ {GOAL_IMAGES_PER_S:.0f} images/s at 512x512, 20 steps, float16 on one H100-class GPU"
          + ("" if not args.tiny and device.startswith("cuda") else " (not comparable: tiny networks or no GPU)"))


if __name__ == "__main__":
    main()
