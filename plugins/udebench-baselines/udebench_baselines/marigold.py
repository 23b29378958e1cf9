"""Marigold (Ke et al., CVPR 2024): diffusers' ``MarigoldDepthPipeline`` from a ``save_pretrained`` folder.

The folder holds ``model_index.json`` and the ``unet``, ``vae``, ``scheduler``, ``text_encoder`` and
``tokenizer`` sub-folders (``prs-eth/marigold-depth-v1-1`` on the hub). The prediction is an
affine-invariant depth in [0, 1] (``prediction_type="depth"``; an affine disparity for
``"disparity"`` checkpoints), aligned by ``lstsq_depth`` as Marigold's own evaluation does.

Options (keyword arguments of the factory): ``steps`` (denoising steps; default the checkpoint's
``default_denoising_steps``), ``ensemble_size`` (predictions per image, combined by the pipeline's
ensembling; default 1), ``processing_resolution`` (longer side the pipeline works at; default the
checkpoint's ``default_processing_resolution``) and ``seed`` (the noise: each image's ensemble member ``e`` starts
from the noise of ``seed + e``, whatever batch it is in, so a run is reproducible).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from udebench.plugin import DepthModel, ModelSpec, UdebenchError, sha256_of

REPO_ID = "prs-eth/marigold-depth-v1-1"
MODEL_INDEX = "model_index.json"
#: what the pipeline's ``prediction_type`` means for scoring.
OUTPUT_OF_PREDICTION = {"depth": "affine_depth", "disparity": "affine_disparity"}


@dataclasses.dataclass(frozen=True)
class MarigoldOptions:
    """How the pipeline runs; None = the checkpoint's own default."""

    steps: int | None = None
    ensemble_size: int = 1
    processing_resolution: int | None = None
    seed: int = 0

    def check(self) -> MarigoldOptions:
        if self.steps is not None and self.steps < 1:
            raise UdebenchError(f"marigold steps must be ≥ 1, got {self.steps}")
        if self.ensemble_size < 1:
            raise UdebenchError(f"marigold ensemble_size must be ≥ 1, got {self.ensemble_size}")
        if self.processing_resolution is not None and self.processing_resolution < 0:
            raise UdebenchError(f"marigold processing_resolution must be ≥ 0 (0: the input's size), got "
                                f"{self.processing_resolution}")
        return self


def load_pipeline(folder: Path) -> Any:
    """The pipeline of ``folder`` in float32, quiet (no progress bars: udebench shows its own)."""
    import torch
    from diffusers import MarigoldDepthPipeline
    from diffusers.utils import logging as diffusers_logging

    from udebench_baselines.hf_folders import quiet_transformers, read_json

    index = read_json(folder, MODEL_INDEX) or {}
    if "Marigold" not in str(index.get("_class_name", "")):
        raise UdebenchError(f"model 'marigold': {folder / MODEL_INDEX} describes a {index.get('_class_name')!r}, "
                            "not a Marigold depth pipeline")
    verbosity, bars = diffusers_logging.get_verbosity(), diffusers_logging.is_progress_bar_enabled()
    diffusers_logging.set_verbosity_error()
    diffusers_logging.disable_progress_bar()
    try:
        with quiet_transformers():
            pipe = MarigoldDepthPipeline.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UdebenchError(f"model 'marigold': cannot load the pipeline in {folder} ({first})") from exc
    finally:
        diffusers_logging.set_verbosity(verbosity)
        if bars:
            diffusers_logging.enable_progress_bar()
    pipe.set_progress_bar_config(disable=True)
    return pipe if pipe.unet.dtype == torch.float32 else pipe.to(dtype=torch.float32)


def marigold_module(pipe: Any) -> Any:
    """The pipeline's networks as one ``nn.Module`` (so ``.to(device)``, ``.eval()`` and parameters work)."""
    from torch import nn

    class MarigoldNetworks(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.unet, self.vae, self.text_encoder = pipe.unet, pipe.vae, pipe.text_encoder
            self.pipe = pipe

    return MarigoldNetworks()


class MarigoldForward:
    """Run the pipeline on a batch in [0, 1]; the prediction comes back at the input's size."""

    def __init__(self, options: MarigoldOptions) -> None:
        self.options = options

    def __call__(self, module: Any, x: Any, intrinsics: Any = None) -> Any:
        import torch

        # one generator per (image, ensemble member), image-major as the pipeline orders them: an image gets the
        # same noise whatever batch it is in
        members = range(self.options.ensemble_size)
        generator = [torch.Generator(device=x.device).manual_seed(self.options.seed + member)
                     for _ in range(x.shape[0]) for member in members]
        out = module.pipe(x, num_inference_steps=self.options.steps, ensemble_size=self.options.ensemble_size,
                          processing_resolution=self.options.processing_resolution, match_input_resolution=True,
                          batch_size=x.shape[0] * self.options.ensemble_size, generator=generator, output_type="pt")
        return out.prediction[:, 0]


def build(spec: ModelSpec, weights: str | None, **options: Any) -> DepthModel:
    from udebench_baselines.hf_folders import resolve_folder

    try:
        run = MarigoldOptions(**options).check()
    except TypeError as exc:
        raise UdebenchError(f"model 'marigold': {exc}; options are steps, ensemble_size, processing_resolution, "
                            "seed") from exc
    folder = resolve_folder(weights, model=spec.name, repo_id=REPO_ID, env=spec.weights_env, marker=MODEL_INDEX)
    pipe = load_pipeline(folder)
    prediction = str(pipe.config.get("prediction_type") or "depth")
    kind = OUTPUT_OF_PREDICTION.get(prediction)
    if kind is None:
        raise UdebenchError(f"model 'marigold': {folder / MODEL_INDEX} predicts {prediction!r}; udebench scores "
                            f"{', '.join(OUTPUT_OF_PREDICTION)}")
    spec = dataclasses.replace(spec, output=kind)
    sha256 = sha256_of(str(folder)) if weights is None else None
    return DepthModel(spec, marigold_module(pipe), weights_sha256=sha256, forward=MarigoldForward(run))
