"""The mmengine model of the UDE trainers: one training step, its terms switched on by the recipe.

* ``supervised``: SILog against ground-truth depth (the supervised teacher).
* ``self_supervised``: Monodepth2's photometric loss on the clean neighbouring frames; with
  translation on, the network sees a translated target image while the loss compares clean frames
  (md4all-AD).
* ``rgd``: distillation of a frozen teacher's depth (predicted on the clean image) into the student
  (which sees the translated image with probability ``p_translate``), on the pixels the reliability
  rule keeps; with ``photometric.weight > 0`` the photometric term is added, so a masked pixel still
  learns from geometry (the paper's self-supervised student). ``reliability.rule="none"`` and no
  photometric term is md4all-DD.

The student is any :class:`udebench.plugin.TrainableNetwork` (σ output, Monodepth2's disparity
convention); it runs at the nearest size its input multiple allows and its σ is resized back to the
data resolution, where every loss is computed. The maths lives in pure functions (``losses``,
``photometric``, ``reliability``, ``warping``).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from udebench_ude.conditions import sample_conditions, translate_mixed
from udebench_ude.losses import distillation_loss, gt_valid_mask, semantic_loss, silog_loss
from udebench_ude.photometric import monodepth2_loss
from udebench_ude.reliability import flip_consistency_mask, mask_quality, oracle_mask, photometric_mask, random_mask

MODES = ("supervised", "self_supervised", "rgd")


def network_size(height: int, width: int, multiple: int) -> tuple[int, int]:
    """The largest size ≤ (height, width) whose sides are multiples of ``multiple`` (the network's input)."""
    return max(multiple, height // multiple * multiple), max(multiple, width // multiple * multiple)


class Teacher:
    """A frozen depth model (a :class:`udebench.plugin.DepthModel`) predicting metric depth on clean images."""

    def __init__(self, depth_model: Any) -> None:
        if depth_model.spec.output != "metric_depth":
            raise ValueError(f"teacher {depth_model.spec.name!r} predicts {depth_model.spec.output}; distillation and "
                             "the photometric reliability need metric depth")
        self.model = depth_model
        self.module = depth_model.module.requires_grad_(False).eval()

    def depth(self, x: torch.Tensor) -> torch.Tensor:
        """Depth ``[B, 1, H, W]`` (metres) at the images' resolution."""
        with torch.no_grad():
            out = self.model.predict(x)[:, None]
        return out if out.shape[-2:] == x.shape[-2:] else F.interpolate(out, size=x.shape[-2:], mode="bilinear",
                                                                        align_corners=False)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The encoder tokens the semantic loss compares (UDE networks only)."""
        with torch.no_grad():
            return self.module(self.model.preprocess(x), return_features=True)["features"]


class UDETrainModel(BaseModel):
    """Trains ``net`` with the recipe ``mode``; ``forward(mode="loss")`` returns mmengine's loss dict.

    Keys with ``loss`` are summed into the training loss; the others are logged: ``translated_ratio``,
    ``mask_keep`` (share of pixels the reliability rule keeps), ``mask_keep_clean`` /
    ``mask_keep_translated`` (the same over clean / translated images only), and, when the batch has
    ground truth, ``mask_precision`` / ``mask_recall`` against the oracle rule and ``oracle_keep`` (the
    oracle's own keep ratio on pixels with GT: the precision of a random mask).
    """

    def __init__(self, net: torch.nn.Module, *, mode: str, teacher: Teacher | None = None, translator: Any = None,
                 options: dict[str, Any], device: str | None = None, posenet: torch.nn.Module | None = None,
                 stored: dict[str, Any] | None = None) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"unknown UDE training mode {mode!r}; choose one of {', '.join(MODES)}")
        if mode == "rgd" and teacher is None:
            raise ValueError("rgd training needs a teacher")
        self._device = torch.device(device) if device else None
        self.mode = mode
        self.net = net
        self.posenet = posenet
        self.teacher = teacher
        if teacher is not None:
            self.teacher_module = teacher.module  # registered, so .to(device) moves it; never trained
        self.translator = translator
        self.stored = stored or {}  # condition -> reader of stored translations (udebench translate)
        self.options = options
        self.current_iter = 0  # set before every iteration by IterSeedHook: draws are a function of (seed, iter)
        self.register_buffer("mean", torch.tensor(net.mean, dtype=torch.float32).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(net.std, dtype=torch.float32).view(1, 3, 1, 1), persistent=False)

    def to(self, *args: Any, **kwargs: Any) -> UDETrainModel:
        """The user's --device wins over the device mmengine's Runner picks when it wraps the model."""
        if self._device is not None:
            return super().to(self._device)
        return super().to(*args, **kwargs)

    def train(self, mode: bool = True) -> UDETrainModel:
        super().train(mode)
        if self.teacher is not None:
            self.teacher_module.eval()  # frozen, always in inference behaviour
        return self

    def generator(self) -> torch.Generator:
        return torch.Generator().manual_seed(int(self.options.get("seed", 0)) * 1_000_003 + self.current_iter)

    # -- the student ---------------------------------------------------------------------------------------------
    def predict_sigma(self, images: torch.Tensor) -> list[torch.Tensor]:
        """σ maps of the student, finest first, for ``images`` ``[B, 3, H, W]`` in [0, 1] (any H, W)."""
        height, width = images.shape[-2:]
        size = network_size(height, width, int(self.net.input_multiple))
        x = images if size == (height, width) else F.interpolate(images, size=size, mode="bilinear",
                                                                  align_corners=False)
        x = (x - self.mean) / self.std
        out = self.net(x, return_features=True) if float(self.options.get("semantic_weight", 0.0)) > 0 else self.net(x)
        scales = list(out.get("sigma_scales") or [out["sigma"]])
        if scales[0].shape[-2:] != (height, width):  # the loss lives at the data resolution
            scales[0] = F.interpolate(scales[0], size=(height, width), mode="bilinear", align_corners=False)
        self._features = out.get("features")
        return scales

    def disp(self, sigma: torch.Tensor) -> torch.Tensor:
        from udebench.plugin import sigmoid_to_disp

        return sigmoid_to_disp(sigma, self.net.min_depth, self.net.max_depth)

    # -- the step ------------------------------------------------------------------------------------------------
    def forward(self, image: torch.Tensor, depth: torch.Tensor | None = None, intrinsics: torch.Tensor | None = None,
                context_images: torch.Tensor | None = None, T_target_to_context: torch.Tensor | None = None,
                sample_id: list[str] | None = None, mode: str = "loss") -> dict[str, torch.Tensor]:
        if mode != "loss":
            raise ValueError(f"UDETrainModel only trains (mode='loss'), got mode={mode!r}")
        x = image.float() / 255.0
        contexts = None if context_images is None else context_images.float() / 255.0
        if self.mode == "supervised":
            return self._supervised(x, depth)
        return self._student_step(x, depth, intrinsics, contexts, T_target_to_context, sample_id)

    def _supervised(self, x: torch.Tensor, gt: torch.Tensor) -> dict[str, torch.Tensor]:
        sigma = self.predict_sigma(x)[0]
        pred = 1.0 / self.disp(sigma)
        valid = gt_valid_mask(gt, self.net.min_depth, self.net.max_depth)
        loss = silog_loss(pred, gt.clamp(min=self.net.min_depth), valid, self.options["variance_focus"])
        return {"loss_silog": loss, "valid_ratio": valid.float().mean()}

    def _student_step(self, x, gt, K, contexts, T, sample_ids=None) -> dict[str, torch.Tensor]:
        o = self.options
        generator = self.generator()
        teacher_depth = self.teacher.depth(x) if self.teacher is not None else None
        choices = sample_conditions(x.shape[0], o["conditions"], o["p_translate"], generator)
        seen = translate_mixed(self.translator, x, choices, depth=teacher_depth, generator=generator,
                               stored=self.stored, sample_ids=sample_ids) if any(c is not None for c in choices) else x
        sigma_scales = self.predict_sigma(seen)
        disp = self.disp(sigma_scales[0])
        student_depth = 1.0 / disp
        translated = torch.tensor([c is not None for c in choices], device=x.device)
        losses: dict[str, torch.Tensor] = {"translated_ratio": translated.float().mean()}

        photometric = o["photometric"]
        if float(photometric["weight"]) > 0:
            poses = self._poses(x, contexts, T)
            terms = monodepth2_loss([self.disp(s) for s in sigma_scales], x, contexts, K, poses,
                                    disp_to_depth=lambda d: 1.0 / d, alpha=float(photometric["alpha"]),
                                    smoothness=float(photometric["smoothness"]),
                                    automask=bool(photometric["automask"]), generator=generator)
            weight = float(photometric["weight"])
            losses["loss_photometric"] = weight * terms["loss_photometric"]
            losses["loss_smoothness"] = weight * terms["loss_smoothness"]
            losses["automask_ratio"] = terms["automask_ratio"]

        distill = o["distill"]
        if teacher_depth is not None and float(distill["weight"]) > 0:
            mask = self._reliability(x, K, contexts, T, teacher_depth, student_depth.detach(), gt, generator)
            student = {"depth": student_depth, "disp": disp}
            teacher = {"depth": teacher_depth, "disp": 1.0 / teacher_depth}
            losses["loss_distill"] = float(distill["weight"]) * distillation_loss(
                distill["loss"], student, teacher, mask, float(distill["variance_focus"]))
            losses.update(self._mask_statistics(mask, translated, teacher_depth, gt))
        if float(o.get("semantic_weight", 0.0)) > 0:
            if self.teacher is None or self._features is None:
                raise ValueError("the semantic loss needs a UDE teacher and a UDE student (DINOv2 tokens)")
            losses["loss_semantic"] = float(o["semantic_weight"]) * semantic_loss(self._features,
                                                                                  self.teacher.features(x))
        if not any(k.startswith("loss") for k in losses):
            raise ValueError(f"{self.mode}: no loss term is switched on (photometric.weight and distill.weight are 0)")
        return losses

    def _poses(self, x: torch.Tensor, contexts: torch.Tensor | None, T: torch.Tensor | None) -> torch.Tensor:
        if contexts is None:
            raise ValueError("the photometric loss needs context frames (frames_per_sequence ≥ 2)")
        if self.options["photometric"]["pose"] == "known":
            if T is None:
                raise ValueError("photometric.pose = 'known' needs T_target_to_context in the batch")
            return T
        target = (x - self.mean) / self.std
        return torch.stack([self.posenet(target, (contexts[:, i] - self.mean) / self.std)
                            for i in range(contexts.shape[1])], dim=1)

    def _reliability(self, x, K, contexts, T, teacher_depth, student_depth, gt, generator=None) -> torch.Tensor:
        rel = self.options["reliability"]
        rule = rel["rule"]
        if rule == "none":
            return torch.ones_like(teacher_depth, dtype=torch.bool)
        if rule == "photometric":
            if contexts is None:
                raise ValueError("reliability 'photometric' needs context frames in the batch")
            poses = T if self.options["photometric"]["pose"] == "known" else self._poses(x, contexts, T).detach()
            return photometric_mask(x, contexts, K, poses, teacher_depth, student_depth,
                                    direction=rel["mask_direction"], keep_unseen=rel["keep_unseen"],
                                    alpha=float(rel["photometric_alpha"]), margin=float(rel["margin"]))
        if rule == "oracle":
            if gt is None:
                raise ValueError("reliability 'oracle' needs ground-truth depth in the batch (synth)")
            return oracle_mask(teacher_depth, gt, float(rel["oracle_tau"]), min_depth=self.net.min_depth,
                               max_depth=self.net.max_depth, keep_unseen=rel["keep_unseen"],
                               align=rel.get("oracle_align", "none"))
        if rule == "flip_consistency":
            flipped = self.teacher.depth(x.flip(-1))
            return flip_consistency_mask(teacher_depth, flipped, float(rel["flip_rel_tol"]))
        if rule == "random":
            return random_mask(teacher_depth, float(rel["random_keep"]), generator)
        raise ValueError(f"reliability {rule!r}: choose photometric, oracle, flip_consistency, random or none")

    def _mask_statistics(self, mask, translated, teacher_depth, gt) -> dict[str, torch.Tensor]:
        kept = mask.float().flatten(1).mean(1)
        stats = {"mask_keep": kept.mean()}
        if bool(translated.any()):
            stats["mask_keep_translated"] = kept[translated].mean()
        if bool((~translated).any()):
            stats["mask_keep_clean"] = kept[~translated].mean()
        if gt is not None:
            rel = self.options["reliability"]
            has_gt = (gt > self.net.min_depth) & (gt < self.net.max_depth)
            # the reference is always the metric oracle, so that every arm's precision is against the same pixels
            oracle = oracle_mask(teacher_depth, gt, float(rel["oracle_tau"]), min_depth=self.net.min_depth,
                                 max_depth=self.net.max_depth, keep_unseen=False)
            quality = mask_quality(mask, oracle, has_gt)
            for key in ("precision", "recall"):
                if not torch.isnan(quality[key]):
                    stats[f"mask_{key}"] = quality[key].float()
            if not torch.isnan(quality["reference_keep"]):  # the precision a coin flip would get
                stats["oracle_keep"] = quality["reference_keep"].float()
        return stats
