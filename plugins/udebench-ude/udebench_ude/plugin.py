"""The udebench hooks of the UDE plugin: what it registers, nothing else (no torch import here)."""

from __future__ import annotations

from udebench import hookimpl
from udebench.specs import ModelSpec, TrainerSpec, TranslatorSpec
from udebench_ude import factories
from udebench_ude.arch import SIZES

WEIGHTS_HELP = ("udebench-ude safetensors file (+ <name>.json card), HF folder (config.json + model.safetensors), "
                "HF cache folder, or a udebench-ude training work dir; default: the shipped tiny synth weights")

#: Why ``metric_depth``: the teacher is trained supervised on the synth world's metric GT depth,
#: and the student distils the teacher's depth with a loss that is not scale-invariant (L1 on
#: disparity, or SILog with variance focus λ < 1, whose (1 − λ)·mean(g)² term pins the scale), so
#: both predict metres directly and the default alignment is ``none``. On real data the scale comes
#: from the synth camera, so compare there with ``--align median`` as well.
TEACHER = ModelSpec(
    name="ude_teacher", factory=factories.build_teacher, output="metric_depth",
    description="UDE teacher: DINOv2+DPT, supervised on synth day (tiny)",
    input_size=SIZES["tiny"]["input_size"], weights_env="UDEBENCH_UDE_TEACHER_WEIGHTS", weights_help=WEIGHTS_HELP,
)
STUDENT = ModelSpec(
    name="ude_student", factory=factories.build_student, output="metric_depth",
    description="UDE student: DINOv2+DPT, reliability-guided distillation on translated images (tiny)",
    input_size=SIZES["tiny"]["input_size"], weights_env="UDEBENCH_UDE_STUDENT_WEIGHTS", weights_help=WEIGHTS_HELP,
)
PHYSICS = TranslatorSpec(
    name="physics", factory=factories.build_physics_translator, conditions=("night", "rain", "fog", "snow"),
    description="image-space night/rain/fog/snow (Koschmieder fog from predicted depth); seeded",
)


@hookimpl
def register_models(register):
    register(TEACHER)
    register(STUDENT)


@hookimpl
def register_translators(register):
    register(PHYSICS)


@hookimpl
def register_trainers(register):
    register(TrainerSpec(name="rgd", factory=factories.build_rgd_trainer,
                         description="UDE student: reliability-guided distillation from a frozen teacher"))
    register(TrainerSpec(name="supervised", factory=factories.build_supervised_trainer,
                         description="UDE teacher: SILog on synth GT depth"))


@hookimpl
def register_commands(cli):
    from udebench_ude.export import ude_group

    cli.add_command(ude_group)
