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
    mode = cfg.trainer
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
    assert model["reliability"]["rule"] == "photometric"
    assert model["reliability"]["mask_direction"] == "teacher_le_student"
    assert model["conditions"] == ["night", "rain", "fog", "snow"] and model["p_translate"] == pytest.approx(0.2)


def test_ablations_change_only_their_own_option():
    _, rgd = _options("student_rgd_tiny_synth")
    _, nomask = _options("student_nomask_tiny_synth")
    _, dayonly = _options("student_dayonly_tiny_synth")
    assert nomask["model_options"] == {**rgd["model_options"],
                                       "reliability": {**rgd["model_options"]["reliability"], "rule": "none"}}
    assert dayonly["model_options"] == {**rgd["model_options"], "conditions": [], "p_translate": 0.0}
    for options in (nomask, dayonly):
        assert options["schedule"] == rgd["schedule"] and options["data"] == rgd["data"]
        assert options["teacher"] == rgd["teacher"]


SSL_ARMS = ("dayonly", "md4all_ad", "md4all_dd", "ude_nomask", "ude_rgd", "ude_oracle", "ude_random",
            "ude_oracle_scaled")


def _ssl(name: str) -> dict:
    cfg = load_config(CONFIGS / "ssl" / f"{name}.py")
    trainer = UDETrainer(cfg, mode=cfg.trainer, work_dir="unused")
    return {"trainer": cfg.trainer, **trainer.options, "model_options": trainer.model_options()}


def test_ssl_arms_share_data_schedule_teacher_and_start_from_scratch():
    arms = {name: _ssl(name) for name in SSL_ARMS}
    first = arms["ude_rgd"]
    for options in arms.values():
        assert options["data"] == first["data"] and options["schedule"] == first["schedule"]
        assert options["init"]["weights"] is None and options["model"] == first["model"]
        assert options["teacher"] == first["teacher"]


def test_the_mask_controls_differ_from_their_arms_in_one_option():
    rgd, random, oracle, scaled = (_ssl(name)["model_options"]["reliability"]
                                   for name in ("ude_rgd", "ude_random", "ude_oracle", "ude_oracle_scaled"))
    assert {k: v for k, v in random.items() if k not in ("rule", "random_keep")} == \
        {k: v for k, v in rgd.items() if k not in ("rule", "random_keep")}
    assert 0.54 <= random["random_keep"] <= 0.55  # RGD's logged keep ratio, seeds 0–2
    assert {**oracle, "oracle_align": "median"} == scaled and oracle["oracle_align"] == "none"


@pytest.mark.parametrize(("arm", "trainer", "photometric", "distill", "rule", "translates"), [
    ("dayonly", "self_supervised", 1.0, 0.0, None, False),
    ("md4all_ad", "self_supervised", 1.0, 0.0, None, True),
    ("md4all_dd", "rgd", 0.0, 1.0, "none", True),
    ("ude_nomask", "rgd", 1.0, 1.0, "none", True),
    ("ude_rgd", "rgd", 1.0, 1.0, "photometric", True),
    ("ude_oracle", "rgd", 1.0, 1.0, "oracle", True),
    ("ude_random", "rgd", 1.0, 1.0, "random", True),
    ("ude_oracle_scaled", "rgd", 1.0, 1.0, "oracle", True),
])
def test_each_ssl_arm_switches_on_exactly_its_terms(arm, trainer, photometric, distill, rule, translates):
    options = _ssl(arm)
    model = options["model_options"]
    assert options["trainer"] == trainer
    assert model["photometric"]["weight"] == photometric and model["distill"]["weight"] == distill
    if rule is not None:
        assert model["reliability"]["rule"] == rule
    assert bool(model["conditions"]) and model["p_translate"] > 0 if translates else not model["conditions"]


@pytest.mark.parametrize("arm", ["dayonly", "md4all_ad", "md4all_dd", "ude_nomask", "ude_rgd", "ude_random"])
def test_monodepth2_arms_differ_from_theirs_only_in_the_network(arm):
    pytest.importorskip("udebench_baselines")
    ude, m2 = _ssl(arm), _ssl(f"m2_{arm}")
    assert m2["model"]["name"] == "monodepth2" and ude["model"]["name"] == "ude_student"
    assert m2["model_options"] == ude["model_options"] and m2["data"] == ude["data"]


def _sup(name: str) -> dict:
    cfg = load_config(CONFIGS / "sup" / f"{name}.py")
    trainer = UDETrainer(cfg, mode=cfg.trainer, work_dir="unused")
    return {"trainer": cfg.trainer, **trainer.options, "model_options": trainer.model_options()}


def test_supervised_track_arms_differ_only_in_translation_and_mask():
    arms = {name: _sup(name) for name in ("dayonly", "nomask", "rgd", "oracle", "random")}
    base = arms["nomask"]
    assert base["model_options"]["photometric"]["weight"] == 0.0 and base["init"]["weights"] is None
    assert base["teacher"]["weights"] == "shipped:ude_teacher_tiny_synth"  # the GT-supervised teacher
    rules = {name: options["model_options"]["reliability"]["rule"] for name, options in arms.items()}
    assert rules == {"dayonly": "none", "nomask": "none", "rgd": "photometric", "oracle": "oracle", "random": "random"}
    assert arms["dayonly"]["model_options"]["conditions"] == [] and base["model_options"]["conditions"]
    for options in arms.values():
        assert options["data"] == base["data"] and options["schedule"] == base["schedule"]
        assert options["data"] == _ssl("ude_rgd")["data"] and options["schedule"] == _ssl("ude_rgd")["schedule"]
