"""Factories the specs point at: heavy imports (torch, transformers, mmengine) happen only when they are called."""

from __future__ import annotations

from typing import Any

#: the weights each model loads when no --weights is given (package data, written by `udebench ude export`).
SHIPPED = {"ude_teacher": "ude_teacher_tiny_synth", "ude_student": "ude_student_tiny_synth"}


def build_depth_model(name: str, weights: str | None = None, device: str | None = None):
    """A :class:`udebench.model.DepthModel` for ``ude_teacher``/``ude_student`` from ``weights`` or the shipped file."""
    from udebench.model import DepthModel
    from udebench_ude.arch import IMAGENET_MEAN, IMAGENET_STD
    from udebench_ude.plugin import STUDENT, TEACHER
    from udebench_ude.weights import load_net, missing_shipped_weights, shipped_weights_path

    if weights is None:
        path = shipped_weights_path(SHIPPED[name])
        if not path.is_file():
            raise missing_shipped_weights(name, SHIPPED[name])
        weights = str(path)
    net, sha256 = load_net(weights, device=device)
    spec = {"ude_teacher": TEACHER, "ude_student": STUDENT}[name]
    input_size = tuple(net.arch.get("input_size") or ()) or None
    if input_size is not None and input_size != tuple(spec.input_size or ()):
        import dataclasses

        spec = dataclasses.replace(spec, input_size=input_size)  # a vits/vitb file runs at its own size
    return DepthModel(spec, net, mean=IMAGENET_MEAN, std=IMAGENET_STD, weights_sha256=sha256)


def build_teacher(weights: str | None = None, device: str | None = None):
    return build_depth_model("ude_teacher", weights=weights, device=device)


def build_student(weights: str | None = None, device: str | None = None):
    return build_depth_model("ude_student", weights=weights, device=device)


def build_physics_translator(seed: int = 0, **options: Any):
    from udebench_ude.translate_physics import PhysicsTranslator

    return PhysicsTranslator(seed=seed, **options)


def build_rgd_trainer(cfg: Any, *, work_dir: str, resume: bool = True, device: str | None = None,
                      max_iters: int | None = None):
    from udebench_ude.trainer import UDETrainer

    return UDETrainer(cfg, mode="rgd", work_dir=work_dir, resume=resume, device=device, max_iters=max_iters)


def build_supervised_trainer(cfg: Any, *, work_dir: str, resume: bool = True, device: str | None = None,
                             max_iters: int | None = None):
    from udebench_ude.trainer import UDETrainer

    return UDETrainer(cfg, mode="supervised", work_dir=work_dir, resume=resume, device=device, max_iters=max_iters)
