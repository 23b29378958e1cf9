"""What the UDE plugin registers, and the factories the specs point at.

Heavy imports (torch, transformers, mmengine) happen only inside the factories, when a model,
translator or trainer is actually built, so registering stays cheap.
"""

from __future__ import annotations

from typing import Any

from udebench.plugin import ModelSpec, TrainerSpec, TranslatorSpec
from udebench_ude.arch import PATCH_SIZE, SIZES

#: the weights each model loads when no --weights is given (package data, written by `udebench ude export`).
SHIPPED = {"ude_teacher": "ude_teacher_tiny_synth", "ude_student": "ude_student_tiny_synth",
           "ude_teacher_ssl": "ude_teacher_ssl_tiny_synth", "ude_student_ssl": "ude_student_ssl_tiny_synth"}

WEIGHTS_HELP = ("udebench-ude safetensors file (+ <name>.json card), HF folder (config.json + model.safetensors), "
                "HF cache folder, or a udebench-ude training work dir; default: the shipped tiny synth weights")


def build_teacher(weights: str | None = None, device: str | None = None):
    return _build_depth_model(TEACHER, weights=weights, device=device)


def build_student(weights: str | None = None, device: str | None = None):
    return _build_depth_model(STUDENT, weights=weights, device=device)


def build_teacher_ssl(weights: str | None = None, device: str | None = None):
    return _build_depth_model(TEACHER_SSL, weights=weights, device=device)


def build_student_ssl(weights: str | None = None, device: str | None = None):
    return _build_depth_model(STUDENT_SSL, weights=weights, device=device)


def _build_depth_model(spec: ModelSpec, weights: str | None = None, device: str | None = None):
    """A DepthModel for ``spec`` from ``weights`` or the shipped file."""
    import dataclasses

    from udebench.plugin import DepthModel
    from udebench_ude.arch import IMAGENET_MEAN, IMAGENET_STD
    from udebench_ude.weights import load_net, missing_shipped_weights, shipped_weights_path

    if weights is None:
        path = shipped_weights_path(SHIPPED[spec.name])
        if not path.is_file():
            raise missing_shipped_weights(spec.name, SHIPPED[spec.name])
        weights = str(path)
    net, sha256 = load_net(weights, device=device)
    input_size = tuple(net.arch.get("input_size") or ()) or None
    if input_size is not None and input_size != tuple(spec.input_size or ()):
        spec = dataclasses.replace(spec, input_size=input_size)  # a vits/vitb file runs at its own size
    return DepthModel(spec, net, mean=IMAGENET_MEAN, std=IMAGENET_STD, weights_sha256=sha256, weights_path=weights)


def build_network(seed: int | None = None, size: str = "tiny", **overrides: Any):
    """A randomly initialised UDE network (DINOv2 + DPT) for trainers: ``ModelSpec.network``."""
    from udebench_ude.models import build_net

    return build_net(size, seed=seed, **overrides)


def build_physics_translator(seed: int = 0, **options: Any):
    from udebench_ude.translate_physics import PhysicsTranslator

    return PhysicsTranslator(seed=seed, **options)


def build_gdt_translator(seed: int = 0, weights: str | None = None, **options: Any):
    from udebench_ude.gdt.translator import load_gdt

    return load_gdt(seed=seed, weights=weights, **options)


def write_gdt_test_weights(folder: Any) -> str:
    from udebench_ude.gdt.tiny import write_tiny_weights

    return write_tiny_weights(folder)


def build_rgd_trainer(cfg: Any, *, work_dir: str, resume: bool = True, device: str | None = None,
                      max_iters: int | None = None):
    from udebench_ude.trainer import UDETrainer

    return UDETrainer(cfg, mode="rgd", work_dir=work_dir, resume=resume, device=device, max_iters=max_iters)


def build_self_supervised_trainer(cfg: Any, *, work_dir: str, resume: bool = True, device: str | None = None,
                                  max_iters: int | None = None):
    from udebench_ude.trainer import UDETrainer

    return UDETrainer(cfg, mode="self_supervised", work_dir=work_dir, resume=resume, device=device,
                      max_iters=max_iters)


def build_supervised_trainer(cfg: Any, *, work_dir: str, resume: bool = True, device: str | None = None,
                             max_iters: int | None = None):
    from udebench_ude.trainer import UDETrainer

    return UDETrainer(cfg, mode="supervised", work_dir=work_dir, resume=resume, device=device, max_iters=max_iters)


#: Why ``metric_depth``: the teacher is trained supervised on the synth world's metric GT depth,
#: and the student distils the teacher's depth with a loss that is not scale-invariant (L1 on
#: disparity, or SILog with variance focus λ < 1, whose (1 − λ)·mean(g)² term pins the scale), so
#: both predict metres directly and the default alignment is ``none``. On real data the scale comes
#: from the synth camera, so compare there with ``--align median`` as well.
TEACHER = ModelSpec(
    name="ude_teacher", factory=build_teacher, output="metric_depth",
    description="UDE teacher: DINOv2+DPT, supervised on synth day (tiny)",
    input_size=SIZES["tiny"]["input_size"], input_multiple=PATCH_SIZE, weights_env="UDEBENCH_UDE_TEACHER_WEIGHTS",
    weights_help=WEIGHTS_HELP, network=build_network,
)
STUDENT = ModelSpec(
    name="ude_student", factory=build_student, output="metric_depth",
    description="UDE student: DINOv2+DPT, reliability-guided distillation on translated images (tiny)",
    input_size=SIZES["tiny"]["input_size"], input_multiple=PATCH_SIZE, weights_env="UDEBENCH_UDE_STUDENT_WEIGHTS",
    weights_help=WEIGHTS_HELP, network=build_network,
)
#: The self-supervised track: trained from the photometric loss with the synth world's known (metric) poses,
#: so the scale is metric too; compare with ``--align median`` as self-supervised papers do.
TEACHER_SSL = ModelSpec(
    name="ude_teacher_ssl", factory=build_teacher_ssl, output="metric_depth",
    description="UDE teacher, self-supervised track: DINOv2+DPT, photometric loss on synth day (tiny)",
    input_size=(98, 322), input_multiple=PATCH_SIZE, weights_env="UDEBENCH_UDE_TEACHER_SSL_WEIGHTS",
    weights_help=WEIGHTS_HELP, network=build_network,
)
STUDENT_SSL = ModelSpec(
    name="ude_student_ssl", factory=build_student_ssl, output="metric_depth",
    description="UDE student, self-supervised track: photometric + RGD from ude_teacher_ssl on translated images",
    input_size=(98, 322), input_multiple=PATCH_SIZE, weights_env="UDEBENCH_UDE_STUDENT_SSL_WEIGHTS",
    weights_help=WEIGHTS_HELP, network=build_network,
)
PHYSICS = TranslatorSpec(
    name="physics", factory=build_physics_translator, conditions=("night", "rain", "fog", "snow"),
    description="image-space night/rain/fog/snow (Koschmieder fog from predicted depth); seeded",
)
GDT = TranslatorSpec(
    name="gdt", factory=build_gdt_translator, conditions=("night", "rain", "fog", "snow"), cheap=False,
    description="GDT: SD1.5 + depth ControlNet + IP-Adapter (UDE paper); --weights DIR or $UDEBENCH_GDT_WEIGHTS",
    test_weights=write_gdt_test_weights, test_options={"size": 64, "steps": 2},
)
RGD = TrainerSpec(name="rgd", factory=build_rgd_trainer,
                  description="UDE student: reliability-guided distillation from a frozen teacher "
                              "(+ the photometric term: the self-supervised track)")
SELF_SUPERVISED = TrainerSpec(name="self_supervised", factory=build_self_supervised_trainer,
                              description="Monodepth2's photometric recipe (known poses or a PoseNet); with "
                                          "translation on, md4all-AD")
SUPERVISED = TrainerSpec(name="supervised", factory=build_supervised_trainer,
                         description="UDE teacher: SILog on synth GT depth")
