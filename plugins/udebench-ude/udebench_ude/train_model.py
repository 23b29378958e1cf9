"""The mmengine model of both UDE trainers: one ``forward(mode="loss")`` per recipe, maths in pure functions."""

from __future__ import annotations

from typing import Any

import torch
from mmengine.model import BaseModel

from udebench_ude.arch import IMAGENET_MEAN, IMAGENET_STD
from udebench_ude.conditions import sample_conditions, translate_mixed
from udebench_ude.losses import distillation_loss, gt_valid_mask, semantic_loss, silog_loss
from udebench_ude.reliability import flip_consistency_mask, photometric_mask


class UDETrainModel(BaseModel):
    """Trains ``net``: supervised on GT depth (the teacher), or RGD distillation from a frozen ``teacher``.

    RGD step: the teacher predicts on the clean image; each image is shown to the student clean
    with probability ``p_clean``, else translated on the fly (fog uses the teacher's depth, as a
    predicted depth map would be used on real data). The reliability mask compares the photometric
    errors of teacher depth and of the student depth being trained (its prediction on what it saw,
    detached) when each warps the CLEAN neighbours into the CLEAN target: the photometric test must
    judge geometry, not the translator's rain streaks or noise, and it must judge the very prediction
    the loss pulls towards the teacher (no extra clean-image student pass).
    """

    def __init__(self, net: torch.nn.Module, *, mode: str, teacher: torch.nn.Module | None = None,
                 translator: Any = None, options: dict[str, Any], device: str | None = None) -> None:
        super().__init__()
        self._device = torch.device(device) if device else None
        if mode not in ("rgd", "supervised"):
            raise ValueError(f"unknown UDE training mode {mode!r}")
        if mode == "rgd" and teacher is None:
            raise ValueError("rgd training needs a teacher")
        self.mode = mode
        self.net = net
        self.teacher = teacher
        if teacher is not None:
            teacher.requires_grad_(False).eval()
        self.translator = translator
        self.options = options
        self.current_iter = 0  # set before every iteration by IterSeedHook: draws are a function of (seed, iter)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def to(self, *args: Any, **kwargs: Any) -> UDETrainModel:
        """The user's --device wins over the device mmengine's Runner picks when it wraps the model."""
        if self._device is not None:
            return super().to(self._device)
        return super().to(*args, **kwargs)

    def train(self, mode: bool = True) -> UDETrainModel:
        super().train(mode)
        if self.teacher is not None:
            self.teacher.eval()  # frozen, always in inference behaviour
        return self

    def normalise(self, images: torch.Tensor) -> torch.Tensor:
        return (images - self.mean) / self.std

    def generator(self) -> torch.Generator:
        return torch.Generator().manual_seed(int(self.options.get("seed", 0)) * 1_000_003 + self.current_iter)

    def forward(self, image: torch.Tensor, depth: torch.Tensor | None = None, intrinsics: torch.Tensor | None = None,
                context_images: torch.Tensor | None = None, T_target_to_context: torch.Tensor | None = None,
                mode: str = "loss") -> dict[str, torch.Tensor]:
        if mode != "loss":
            raise ValueError(f"UDETrainModel only trains (mode='loss'), got mode={mode!r}")
        x = image.float() / 255.0
        if self.mode == "supervised":
            return self._supervised(x, depth)
        return self._rgd(x, intrinsics, None if context_images is None else context_images.float() / 255.0,
                         T_target_to_context)

    def _supervised(self, x: torch.Tensor, gt: torch.Tensor) -> dict[str, torch.Tensor]:
        out = self.net(self.normalise(x))
        valid = gt_valid_mask(gt, self.net.min_depth, self.net.max_depth)
        loss = silog_loss(out["depth"], gt.clamp(min=self.net.min_depth), valid, self.options["variance_focus"])
        return {"loss_silog": loss, "valid_ratio": valid.float().mean()}

    def _rgd(self, x: torch.Tensor, K: torch.Tensor, contexts: torch.Tensor | None,
             T: torch.Tensor | None) -> dict[str, torch.Tensor]:
        opts = self.options
        semantic_weight = float(opts.get("semantic_weight", 0.0))
        with torch.no_grad():
            teacher_out = self.teacher(self.normalise(x), return_features=semantic_weight > 0)
        generator = self.generator()
        choices = sample_conditions(x.shape[0], opts["conditions"], opts["p_clean"], generator)
        seen = translate_mixed(self.translator, x, choices, depth=teacher_out["depth"], generator=generator)
        student_out = self.net(self.normalise(seen), return_features=semantic_weight > 0)
        mask = self._reliability(x, K, contexts, T, teacher_out, student_out)
        losses = {"loss_distill": distillation_loss(opts["distill_loss"], student_out, teacher_out, mask,
                                                    opts["variance_focus"])}
        if semantic_weight > 0:
            losses["loss_semantic"] = semantic_weight * semantic_loss(student_out["features"], teacher_out["features"])
        losses["mask_ratio"] = mask.float().mean()
        losses["translated_ratio"] = torch.tensor(sum(c is not None for c in choices) / len(choices), device=x.device)
        return losses

    def _reliability(self, x, K, contexts, T, teacher_out, student_out) -> torch.Tensor:
        rule = self.options["reliability"]
        if rule == "none":
            return torch.ones_like(teacher_out["depth"], dtype=torch.bool)
        if rule == "photometric":
            if contexts is None:
                raise ValueError("reliability 'photometric' needs context frames in the batch")
            return photometric_mask(x, contexts, K, T, teacher_out["depth"], student_out["depth"].detach(),
                                    direction=self.options["mask_direction"],
                                    keep_unseen=self.options.get("keep_unseen", True),
                                    alpha=self.options.get("photometric_alpha", 0.85))
        if rule == "flip_consistency":
            with torch.no_grad():
                flipped = self.teacher(self.normalise(x.flip(-1)))["depth"]
            return flip_consistency_mask(teacher_out["depth"], flipped, self.options.get("flip_rel_tol", 0.1))
        raise ValueError(f"reliability {rule!r}: choose photometric, flip_consistency or none")
