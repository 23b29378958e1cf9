"""The udebench hooks of the UDE plugin: what it registers, nothing else (no torch import here)."""

from __future__ import annotations

from udebench.plugin import hookimpl
from udebench_ude.specs import (
    GDT,
    PHYSICS,
    RGD,
    SELF_SUPERVISED,
    STUDENT,
    STUDENT_SSL,
    SUPERVISED,
    TEACHER,
    TEACHER_SSL,
)


@hookimpl
def register_models(register):
    register(TEACHER)
    register(STUDENT)
    register(TEACHER_SSL)
    register(STUDENT_SSL)


@hookimpl
def register_translators(register):
    register(PHYSICS)
    register(GDT)


@hookimpl
def register_trainers(register):
    register(RGD)
    register(SELF_SUPERVISED)
    register(SUPERVISED)


@hookimpl
def register_commands(cli):
    from udebench_ude.export import ude_group

    cli.add_command(ude_group)
