"""GDT's networks built from configs with seeded random weights, and saved in the layout users download.

Used by :mod:`udebench_ude.gdt.tiny` (tiny configs: tests and the conformance kit load them through
the ordinary weights path) and by ``benchmarks/bench_gdt.py`` (the published SD1.5 sizes). The saved
folders are those of the real downloads: ``stable-diffusion-v1-5/`` (diffusers pipeline with a
``vocab.json``/``merges.txt`` CLIP tokenizer), ``control_v11f1p_sd15_depth/`` (diffusers ControlNet)
and ``IP-Adapter/models/{ip-adapter_sd15.safetensors|.bin, image_encoder/}`` (h94/IP-Adapter).
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: a CLIP BPE vocabulary of single characters: enough to tokenize any English prompt, a few hundred bytes
VOCAB_CHARS = string.ascii_lowercase + string.digits + ",.-'!?()"
SPECIAL_TOKENS = {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
                  "unk_token": "<|endoftext|>"}


@dataclass(frozen=True)
class Architecture:
    """Constructor arguments of each component (diffusers/transformers config names)."""

    unet: Mapping[str, Any]
    controlnet: Mapping[str, Any]
    vae: Mapping[str, Any]
    text_encoder: Mapping[str, Any]
    image_encoder: Mapping[str, Any]
    scheduler: Mapping[str, Any]
    feature_extractor: Mapping[str, Any]
    #: IP-Adapter SD1.5: image embedding → this many extra cross-attention tokens
    ip_adapter_tokens: int = 4
    model_max_length: int = 77


def char_vocab() -> dict[str, int]:
    """The tiny CLIP vocabulary: the two special tokens, each character, and each character ending a word."""
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for suffix in ("", "</w>"):
        for char in VOCAB_CHARS:
            vocab[char + suffix] = len(vocab)
    return vocab


def write_tokenizer(folder: Path, model_max_length: int) -> None:
    """A CLIP tokenizer folder in SD1.5's layout (vocab.json, merges.txt, tokenizer_config.json, special tokens)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(char_vocab()))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    config = {"tokenizer_class": "CLIPTokenizer", "model_max_length": model_max_length, "do_lower_case": True,
              "add_prefix_space": False, "errors": "replace", **SPECIAL_TOKENS}
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2))
    (folder / "special_tokens_map.json").write_text(json.dumps(SPECIAL_TOKENS, indent=2))


def _perturb(module: Any, generator: Any, std: float = 0.02, zero_std: float = 0.5) -> Any:
    """Add seeded noise to every parameter; layers initialised to zero (ControlNet's zero convolutions, ...) get
    ``zero_std``, as trained weights would, so every input (the control image too) visibly reaches the output."""
    import torch

    with torch.no_grad():
        for parameter in module.parameters():
            noise = torch.randn(parameter.shape, generator=generator, dtype=torch.float32)
            scale = zero_std if not bool(parameter.any()) else std
            parameter.add_((noise * scale).to(parameter.dtype))
    return module


def build_components(arch: Architecture, *, seed: int = 0, device: str = "cpu", dtype: Any = None) -> dict[str, Any]:
    """Every component with seeded random weights: unet, controlnet, vae, text_encoder, tokenizer (None: write it
    with :func:`write_tokenizer`), image_encoder, scheduler, feature_extractor and the IP-Adapter state dict."""
    import torch
    from diffusers import AutoencoderKL, ControlNetModel, PNDMScheduler, UNet2DConditionModel
    from transformers import (
        CLIPImageProcessor,
        CLIPTextConfig,
        CLIPTextModel,
        CLIPVisionConfig,
        CLIPVisionModelWithProjection,
    )

    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    with torch.device(device):
        unet = _perturb(UNet2DConditionModel(**arch.unet), generator)
        controlnet = _perturb(ControlNetModel(**arch.controlnet), generator)
        vae = _perturb(AutoencoderKL(**arch.vae), generator)
        text_encoder = _perturb(CLIPTextModel(CLIPTextConfig(**arch.text_encoder)), generator)
        image_encoder = _perturb(CLIPVisionModelWithProjection(CLIPVisionConfig(**arch.image_encoder)), generator)
    components = {"unet": unet, "controlnet": controlnet, "vae": vae, "text_encoder": text_encoder,
                  "image_encoder": image_encoder}
    if dtype is not None and dtype != torch.float32:
        from udebench_ude.gdt.pipeline import quiet_loading

        with quiet_loading():  # diffusers notes that a cast is not from_pretrained: nothing is kept in float32 here
            components = {name: module.to(dtype) for name, module in components.items()}
    components["scheduler"] = PNDMScheduler(**arch.scheduler)
    components["feature_extractor"] = CLIPImageProcessor(**arch.feature_extractor)
    components["ip_adapter"] = ip_adapter_state_dict(unet, int(arch.image_encoder["projection_dim"]),
                                                     tokens=arch.ip_adapter_tokens, generator=generator)
    return components


def ip_adapter_state_dict(unet: Any, image_embed_dim: int, *, tokens: int = 4, generator: Any = None) -> dict:
    """Random IP-Adapter weights in the ``ip-adapter_sd15`` key layout, for ``unet``.

    ``image_proj.proj`` maps the CLIP image embedding to ``tokens`` cross-attention tokens
    (``[tokens · cross_attention_dim, image_embed_dim]``), ``image_proj.norm`` normalises each. Every
    cross-attention layer (``attn2``) gets ``ip_adapter.<k>.to_k_ip.weight`` and ``.to_v_ip.weight``
    (``[hidden, cross_attention_dim]``), ``k`` being its index among ALL the UNet's attention processors
    in order (1, 3, 5, ... in SD1.5, where self- and cross-attention alternate), as the original code numbers them.
    """
    import torch

    cross = int(unet.config.cross_attention_dim)
    channels = list(unet.config.block_out_channels)

    def randn(*shape: int) -> torch.Tensor:
        return torch.randn(shape, generator=generator) * 0.02

    state = {"image_proj.proj.weight": randn(tokens * cross, image_embed_dim),
             "image_proj.proj.bias": randn(tokens * cross),
             "image_proj.norm.weight": torch.ones(cross) + randn(cross), "image_proj.norm.bias": randn(cross)}
    for index, name in enumerate(unet.attn_processors):
        if not name.endswith("attn2.processor"):
            continue
        if name.startswith("mid_block"):
            hidden = channels[-1]
        elif name.startswith("up_blocks"):
            hidden = list(reversed(channels))[int(name.split(".")[1])]
        else:
            hidden = channels[int(name.split(".")[1])]
        state[f"ip_adapter.{index}.to_k_ip.weight"] = randn(hidden, cross)
        state[f"ip_adapter.{index}.to_v_ip.weight"] = randn(hidden, cross)
    return state


def save_layout(components: Mapping[str, Any], folder: Path, *, model_max_length: int = 77,
                ip_adapter_format: str = "safetensors") -> Path:
    """Write ``components`` under ``folder`` in the layout of the three real downloads; returns ``folder``."""
    import shutil

    import torch
    from diffusers import StableDiffusionPipeline
    from transformers import CLIPTokenizer

    folder = Path(folder)
    sd = folder / "stable-diffusion-v1-5"
    write_tokenizer(sd / "tokenizer", model_max_length)
    tokenizer = CLIPTokenizer.from_pretrained(sd / "tokenizer")
    pipe = StableDiffusionPipeline(vae=components["vae"], text_encoder=components["text_encoder"],
                                   tokenizer=tokenizer, unet=components["unet"], scheduler=components["scheduler"],
                                   safety_checker=None, feature_extractor=components["feature_extractor"],
                                   image_encoder=None, requires_safety_checker=False)
    pipe.save_pretrained(sd, safe_serialization=True)
    shutil.rmtree(sd / "tokenizer")  # transformers 5 writes tokenizer.json; SD1.5 ships vocab.json + merges.txt
    write_tokenizer(sd / "tokenizer", model_max_length)
    components["controlnet"].save_pretrained(folder / "control_v11f1p_sd15_depth", safe_serialization=True)
    models = folder / "IP-Adapter" / "models"
    components["image_encoder"].save_pretrained(models / "image_encoder", safe_serialization=True)
    state = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in components["ip_adapter"].items()}
    if ip_adapter_format == "safetensors":
        from safetensors.torch import save_file

        save_file(state, str(models / "ip-adapter_sd15.safetensors"))
    elif ip_adapter_format == "bin":  # the original release: {"image_proj": {...}, "ip_adapter": {...}}
        nested: dict[str, dict[str, torch.Tensor]] = {"image_proj": {}, "ip_adapter": {}}
        for key, value in state.items():
            group, _, rest = key.partition(".")
            nested[group][rest] = value
        torch.save(nested, models / "ip-adapter_sd15.bin")
    else:
        raise ValueError(f"ip_adapter_format={ip_adapter_format}: safetensors or bin")
    return folder
