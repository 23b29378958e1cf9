"""The ``gdt`` translator: the udebench translator contract over the GDT diffusers pipeline.

Per image: a depth map of the source (the ``depth_model``'s prediction, or the depth given) becomes
the ControlNet's control image; the source itself is the img2img start (``strength``); the prompt
names the condition (plus the image's caption, if any); IP-Adapter takes a style image drawn by the
image's seed. Every random draw (style image, noise) depends on that seed only, so image i of a
batch equals the single call with seeds[i], on any batch size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from udebench.plugin import batch_seeds
from udebench_ude.gdt.options import GDTOptions
from udebench_ude.gdt.style import StylePool


def load_gdt(seed: int = 0, weights: str | None = None, **options: Any) -> GDTTranslator:
    """The factory ``gdt`` registers: weights located (``weights``, ``$UDEBENCH_GDT_WEIGHTS``, the HF cache),
    the depth model loaded by name, the pipeline built on the device options ask for."""
    import torch

    from udebench.plugin import load_model, resolve_device
    from udebench_ude.gdt.pipeline import load_pipeline
    from udebench_ude.gdt.weights import fingerprint, locate_weights

    opts = GDTOptions.from_kwargs(**options)
    device = resolve_device(opts.device)
    dtype_name = resolve_dtype(opts.dtype, device)
    located = locate_weights(weights, ip_adapter=opts.uses_ip_adapter)
    depth_model = load_model(opts.depth_model, weights=opts.depth_weights, device=device)
    pipe = load_pipeline(located, mode=opts.mode, scheduler=opts.scheduler, ip_adapter_scale=opts.ip_adapter_scale,
                         device=device, dtype=getattr(torch, dtype_name))
    return GDTTranslator(pipe, depth_model, opts, seed=seed, dtype=dtype_name,
                         weights_sha256=fingerprint(located, getattr(depth_model, "weights_sha256", None)))


def resolve_dtype(dtype: str, device: str) -> str:
    """``auto``: float16 on CUDA, float32 elsewhere (CPUs have no fast half matmuls)."""
    if dtype != "auto":
        return dtype
    return "float16" if str(device).startswith("cuda") else "float32"


class GDTTranslator:
    """Day → night/rain/snow/fog with the geometry kept (see the module docstring)."""

    name = "gdt"
    version = "1"
    needs_depth = False

    def __init__(self, pipe: Any, depth_model: Any, options: GDTOptions, *, seed: int = 0, dtype: str = "float32",
                 weights_sha256: str | None = None) -> None:
        from udebench_ude.gdt.prompts import load_captioner, read_captions

        self.pipe = pipe
        self.depth_model = depth_model
        self.gdt_options = options
        self.seed = int(seed)
        self.options = options.identity(dtype)
        self.conditions = tuple(options.prompts)
        self.weights_sha256 = weights_sha256
        self._captions = read_captions(options.captions) if options.captions else {}
        self._captioner = load_captioner(options.captioner) if options.captioner else None
        self._style_pools: dict[str, StylePool] = {}

    def check_condition(self, condition: str) -> str:
        if condition not in self.conditions:
            raise ValueError(f"translator gdt: no prompt for condition {condition!r} (prompts for: "
                             f"{', '.join(self.conditions)}; add one with --option prompts='{{...}}')")
        return condition

    def __call__(self, image: Any, condition: str, *, depth: Any = None, seed: int | None = None) -> Any:
        """One ``uint8 HxWx3`` image translated; ``depth`` (``HxW`` metres) replaces the depth model's map."""
        import numpy as np
        import torch

        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"translator gdt: expected a uint8 HxWx3 image, got {image.dtype} {image.shape}")
        batch = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float() / 255.0
        depth_batch = None if depth is None else torch.from_numpy(np.asarray(depth, dtype=np.float32))[None, None]
        out = self.translate_batch(batch, condition, depth=depth_batch, seeds=[self.seed if seed is None else seed])
        return (out[0].clamp(0, 1) * 255.0).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()

    def translate_batch(self, images: Any, condition: str, *, depth: Any = None,
                        seeds: Sequence[int] | None = None) -> Any:
        """``[B, 3, H, W]`` in [0, 1] → the same, translated; ``depth`` ``[B, 1, H, W]`` metres (optional)."""
        import torch

        condition = self.check_condition(condition)
        seeds = batch_seeds(seeds, images.shape[0], self.seed)
        with torch.inference_mode():
            out = self._translate(images.detach().float().cpu().clamp(0, 1), condition, depth, seeds)
        return out.to(device=images.device, dtype=images.dtype)

    def _translate(self, images: Any, condition: str, depth: Any, seeds: list[int]) -> Any:
        import torch
        import torch.nn.functional as F

        from udebench_ude.gdt.control import adjust_brightness, control_image, diffusion_size, disparity_of

        opts = self.gdt_options
        height, width = images.shape[-2:]
        size = diffusion_size(height, width, int(opts.size))
        if depth is None:
            disparity = disparity_of(self.depth_model.predict(images).cpu(), self.depth_model.spec.output)
        else:
            disparity = disparity_of(depth[:, 0].detach().float().cpu(), "metric_depth")
        control = control_image(disparity, size)
        generators = [torch.Generator("cpu").manual_seed(int(seed)) for seed in seeds]
        call: dict[str, Any] = dict(
            prompt=[self._prompt(condition, image) for image in images],
            negative_prompt=[opts.negative_prompt] * len(seeds), height=size[0], width=size[1],
            num_inference_steps=int(opts.steps), guidance_scale=float(opts.guidance_scale),
            controlnet_conditioning_scale=float(opts.controlnet_scale), generator=generators, output_type="pt")
        if opts.uses_ip_adapter:
            call["ip_adapter_image_embeds"] = [self._style_embeds(condition, seeds)]
        if opts.mode == "img2img":
            start = F.interpolate(images, size=size, mode="bilinear", align_corners=False, antialias=True)
            out = self.pipe(image=start.clamp(0, 1), control_image=control, strength=float(opts.strength), **call)
        else:
            out = self.pipe(image=control, **call)
        result = F.interpolate(out.images.float().cpu(), size=(height, width), mode="bilinear", align_corners=False,
                               antialias=True)
        if condition == "night":
            result = adjust_brightness(result, float(opts.night_brightness))
        return result.clamp(0, 1)

    def _prompt(self, condition: str, image: Any) -> str:
        """The condition's prompt with ``image``'s caption (``[3, H, W]`` in [0, 1]) from the file or the captioner."""
        import torch

        from udebench_ude.gdt.prompts import image_key, prompt_for

        caption = None
        if self._captions or self._captioner is not None:
            pixels = (image.clamp(0, 1) * 255.0).round().to(torch.uint8).permute(1, 2, 0).numpy()
            caption = self._captions.get(image_key(pixels))
            if caption is None and self._captioner is not None:
                caption = str(self._captioner(pixels))
        return prompt_for(condition, self.gdt_options.prompts, caption)

    def _style_embeds(self, condition: str, seeds: list[int]) -> Any:
        """IP-Adapter image embeddings of each image's style image, ``[2B, 1, D]`` (zeros first) under guidance."""
        import torch
        from PIL import Image

        if condition not in self._style_pools:
            opts = self.gdt_options
            self._style_pools[condition] = StylePool(opts.style_images, condition, int(opts.style_pool))
        styles = [Image.fromarray(self._style_pools[condition].pick(seed)) for seed in seeds]
        device = self.pipe._execution_device
        embeds, negative = self.pipe.encode_image(styles, device, 1)
        if float(self.gdt_options.guidance_scale) > 1:
            embeds = torch.cat([negative, embeds])
        return embeds[:, None].to(dtype=self.pipe.unet.dtype)
