"""Every GDT option, its default and its range: one frozen record (``--option key=value`` fills it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from udebench_ude.gdt.prompts import DEFAULT_NEGATIVE_PROMPT, DEFAULT_PROMPTS

MODES: tuple[str, ...] = ("img2img", "txt2img")
SCHEDULERS: tuple[str, ...] = ("unipc", "ddim", "folder")
DTYPES: tuple[str, ...] = ("auto", "float16", "float32")
#: the synth training scenes under the target condition: never test scenes
DEFAULT_STYLE_IMAGES = "split:synth-train-{condition}"


@dataclass(frozen=True)
class GDTOptions:
    """How GDT translates; all but ``device`` decide the images, so they key the translated-split cache."""

    #: registered model whose depth map of the source image the ControlNet follows
    depth_model: str = "ude_teacher"
    depth_weights: str | None = None
    #: img2img: start from the noised source image (``strength``); txt2img: from pure noise, structure from depth only
    mode: str = "img2img"
    strength: float = 0.9
    steps: int = 20
    guidance_scale: float = 7.5
    controlnet_scale: float = 1.0
    #: 0 = no IP-Adapter at all (it is then not loaded and no style image is needed)
    ip_adapter_scale: float = 0.5
    #: a folder of images of the target condition, or ``split:<name>`` (``{condition}`` is filled in)
    style_images: str = DEFAULT_STYLE_IMAGES
    #: how many images of a ``split:`` style source to draw from (its first N)
    style_pool: int = 64
    prompts: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_PROMPTS))
    negative_prompt: str = DEFAULT_NEGATIVE_PROMPT
    #: a JSON file ``{image key: caption}`` (see ``prompts.image_key``); appended to the condition's prompt
    captions: str | None = None
    #: ``module:function`` giving a caption for a uint8 image (used when ``captions`` has none)
    captioner: str | None = None
    #: short side of the diffusion resolution, in pixels (a multiple of 64); the result is resized back
    size: int = 512
    #: night outputs: linear-light intensity × this (the paper darkens night images); 1 = unchanged
    night_brightness: float = 0.6
    scheduler: str = "unipc"
    #: auto: float16 on CUDA, float32 on CPU
    dtype: str = "auto"
    #: where it runs (cuda when present); not part of the cache key
    device: str | None = None

    @classmethod
    def from_kwargs(cls, **options: Any) -> GDTOptions:
        """The options given, over the defaults; an unknown name or a value out of range is a ValueError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValueError(f"unknown option(s) {', '.join(unknown)}; gdt takes {', '.join(sorted(known))}")
        if "prompts" in options:
            if not isinstance(options["prompts"], Mapping):
                raise ValueError("prompts: expected a JSON object {condition: prompt}")
            options["prompts"] = {**DEFAULT_PROMPTS, **{str(k): str(v) for k, v in options["prompts"].items()}}
        return cls(**options).check()

    def check(self) -> GDTOptions:
        def need(ok: bool, what: str) -> None:
            if not ok:
                raise ValueError(what)

        need(self.mode in MODES, f"mode={self.mode}: choose one of {', '.join(MODES)}")
        need(self.scheduler in SCHEDULERS, f"scheduler={self.scheduler}: choose one of {', '.join(SCHEDULERS)}")
        need(self.dtype in DTYPES, f"dtype={self.dtype}: choose one of {', '.join(DTYPES)}")
        need(0 < float(self.strength) <= 1, f"strength={self.strength}: must be in (0, 1]")
        need(int(self.steps) >= 1, f"steps={self.steps}: must be ≥ 1")
        need(float(self.guidance_scale) >= 0, f"guidance_scale={self.guidance_scale}: must be ≥ 0")
        need(float(self.controlnet_scale) >= 0, f"controlnet_scale={self.controlnet_scale}: must be ≥ 0")
        need(float(self.ip_adapter_scale) >= 0, f"ip_adapter_scale={self.ip_adapter_scale}: must be ≥ 0")
        need(int(self.style_pool) >= 1, f"style_pool={self.style_pool}: must be ≥ 1")
        need(int(self.size) >= 64 and int(self.size) % 64 == 0, f"size={self.size}: must be a multiple of 64")
        need(float(self.night_brightness) > 0, f"night_brightness={self.night_brightness}: must be > 0")
        return self

    def identity(self, dtype: str) -> dict[str, Any]:
        """What decides the images, with the dtype resolved (``device`` left out): the translator's ``options``."""
        out = asdict(self)
        out.pop("device")
        out["prompts"] = dict(self.prompts)
        out["dtype"] = dtype
        return out

    @property
    def uses_ip_adapter(self) -> bool:
        return float(self.ip_adapter_scale) > 0
