"""The shipped UDE configs: they load, name their trainer, and the ablations differ only where they say."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("udebench_ude")

from udebench_ude.trainer import UDETrainer  # noqa: E402

from udebench.training import load_config  # noqa: E402

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "ude"


def _options(name: str) -> tuple[str, dict]:
    cfg = load_config(CONFIGS / f"{name}.py")
    mode = "supervised" if cfg.trainer == "supervised" else "rgd"
    trainer = UDETrainer(cfg, mode=mode, work_dir="unused")
    return cfg.trainer, {**trainer.options, "model_options": trainer.model_options()}


def test_teacher_config_is_supervised_at_a_patch_multiple_size():
    trainer, options = _options("teacher_tiny_synth")
    assert trainer == "supervised"
    assert options["data"]["height"] % 14 == 0 and options["data"]["width"] % 14 == 0


def test_rgd_student_uses_the_paper_recipe():
    trainer, options = _options("student_rgd_tiny_synth")
    model = options["model_options"]
    assert trainer == "rgd"
    assert model["reliability"] == "photometric" and model["mask_direction"] == "teacher_le_student"
    assert model["conditions"] == ["night", "rain", "fog", "snow"] and model["p_clean"] == pytest.approx(0.8)


def test_ablations_change_only_their_own_option():
    _, rgd = _options("student_rgd_tiny_synth")
    _, nomask = _options("student_nomask_tiny_synth")
    _, dayonly = _options("student_dayonly_tiny_synth")
    assert nomask["model_options"] == {**rgd["model_options"], "reliability": "none"}
    assert dayonly["model_options"] == {**rgd["model_options"], "conditions": [], "p_clean": 1.0}
    for options in (nomask, dayonly):
        assert options["schedule"] == rgd["schedule"] and options["data"] == rgd["data"]
        assert options["teacher"] == rgd["teacher"]
