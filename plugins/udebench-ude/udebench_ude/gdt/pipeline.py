"""The diffusers pipeline GDT runs: SD1.5 + ControlNet depth (img2img or txt2img) + IP-Adapter, SDPA attention."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from udebench_ude.gdt.weights import GDTWeights


def pipeline_class(mode: str) -> Any:
    """img2img: ``StableDiffusionControlNetImg2ImgPipeline``; txt2img: ``StableDiffusionControlNetPipeline``."""
    from diffusers import StableDiffusionControlNetImg2ImgPipeline, StableDiffusionControlNetPipeline

    return StableDiffusionControlNetImg2ImgPipeline if mode == "img2img" else StableDiffusionControlNetPipeline


def load_pipeline(weights: GDTWeights, *, mode: str, scheduler: str, ip_adapter_scale: float, device: str,
                  dtype: Any) -> Any:
    """The pipeline from the folders ``weights`` found (local files only), on ``device`` in ``dtype``."""
    from diffusers import ControlNetModel

    with quiet_loading():
        controlnet = ControlNetModel.from_pretrained(str(weights.controlnet), torch_dtype=dtype, local_files_only=True)
        pipe = pipeline_class(mode).from_pretrained(
            str(weights.stable_diffusion), controlnet=controlnet, safety_checker=None, requires_safety_checker=False,
            torch_dtype=dtype, local_files_only=True)
        use_sdpa(pipe)
        if weights.ip_adapter is not None and ip_adapter_scale > 0:
            # its image encoder comes in the pipeline's dtype, its layers in the UNet's: no half/float mix
            pipe.load_ip_adapter(str(weights.ip_adapter), subfolder="models", weight_name=weights.ip_adapter_file,
                                 image_encoder_folder="image_encoder", local_files_only=True)
            pipe.set_ip_adapter_scale(float(ip_adapter_scale))
    return finish(pipe, scheduler=scheduler, device=device)


def pipeline_from_components(components: Mapping[str, Any], *, mode: str, scheduler: str, ip_adapter_scale: float,
                             device: str) -> Any:
    """The same pipeline from in-memory components (:func:`udebench_ude.gdt.architecture.build_components`,
    already in the dtype and on the device wanted)."""
    tokenizer = components.get("tokenizer") or _char_tokenizer()
    pipe = pipeline_class(mode)(
        vae=components["vae"], text_encoder=components["text_encoder"], tokenizer=tokenizer, unet=components["unet"],
        controlnet=components["controlnet"], scheduler=components["scheduler"], safety_checker=None,
        feature_extractor=components["feature_extractor"], image_encoder=components["image_encoder"],
        requires_safety_checker=False)
    use_sdpa(pipe)
    if ip_adapter_scale > 0:
        nested: dict[str, dict[str, Any]] = {"image_proj": {}, "ip_adapter": {}}
        for key, value in components["ip_adapter"].items():
            group, _, rest = key.partition(".")
            nested[group][rest] = value
        with quiet_loading():
            pipe.load_ip_adapter(nested, subfolder="", weight_name="", image_encoder_folder=None)
        pipe.set_ip_adapter_scale(float(ip_adapter_scale))
    return finish(pipe, scheduler=scheduler, device=device)


def use_sdpa(pipe: Any) -> None:
    """PyTorch's scaled-dot-product attention in every attention layer (IP-Adapter keeps its SDPA variant)."""
    from diffusers.models.attention_processor import AttnProcessor2_0

    for name in ("unet", "controlnet", "vae"):
        getattr(pipe, name).set_attn_processor(AttnProcessor2_0())


def finish(pipe: Any, *, scheduler: str, device: str) -> Any:
    """The scheduler chosen, the pipeline on ``device``, no tqdm bar per call."""
    from diffusers import DDIMScheduler, UniPCMultistepScheduler

    if scheduler == "unipc":
        pipe.scheduler = UniPCMultistepScheduler.from_config(pipe.scheduler.config)
    elif scheduler == "ddim":
        pipe.scheduler = DDIMScheduler.from_config(pipe.scheduler.config)
    pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


@contextmanager
def quiet_loading() -> Iterator[None]:
    """diffusers/transformers loading without their progress bars, advice (accelerate, torchvision) and deprecation
    notes: a ``udebench translate`` run shows only its own progress bar."""
    import warnings

    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    levels = (diffusers_logging.get_verbosity(), transformers_logging.get_verbosity())
    diffusers_logging.set_verbosity_error()
    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    diffusers_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            yield
    finally:
        diffusers_logging.set_verbosity(levels[0])
        transformers_logging.set_verbosity(levels[1])
        transformers_logging.enable_progress_bar()
        diffusers_logging.enable_progress_bar()


def _char_tokenizer() -> Any:
    """The tiny character tokenizer (the benchmark's: token ids never change the speed)."""
    import tempfile
    from pathlib import Path

    from transformers import CLIPTokenizer

    from udebench_ude.gdt.architecture import write_tokenizer

    with tempfile.TemporaryDirectory() as folder:
        write_tokenizer(Path(folder), 77)
        return CLIPTokenizer.from_pretrained(folder)
