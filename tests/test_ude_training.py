"""The rgd and supervised trainers: loss goes down, checkpoints resume, configs run through `udebench train`."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("udebench_ude")

from mmengine.hooks import Hook  # noqa: E402
from udebench_ude.data import ResumableInfiniteSampler, SequenceDataset, collate  # noqa: E402
from udebench_ude.models import build_net  # noqa: E402
from udebench_ude.train_model import UDETrainModel  # noqa: E402
from udebench_ude.trainer import UDETrainer  # noqa: E402
from udebench_ude.weights import save_safetensors  # noqa: E402

from tests.ude_helpers import TINY_ARCH, PlaneSequenceSplit, tiny_config  # noqa: E402
from udebench import hookimpl  # noqa: E402
from udebench.specs import SplitSpec  # noqa: E402

RGD_OPTIONS = dict(seed=0, conditions=["night", "rain", "fog", "snow"], p_translate=0.5,
                   photometric=dict(weight=0.0, alpha=0.85, smoothness=1e-3, automask=True, pose="known"),
                   distill=dict(weight=1.0, loss="silog", variance_focus=0.85),
                   reliability=dict(rule="photometric", mask_direction="teacher_le_student", keep_unseen=True,
                                    margin=0.0, oracle_tau=0.15, flip_rel_tol=0.1, photometric_alpha=0.85),
                   semantic_weight=0.1)


def rgd_options(**changes):
    """RGD_OPTIONS with some sections' entries changed, e.g. ``reliability=dict(rule="none")``."""
    out = {**RGD_OPTIONS}
    for key, value in changes.items():
        out[key] = {**out[key], **value} if isinstance(value, dict) else value
    return out


def as_teacher(net):
    """A UDE network as the frozen teacher the trainers use (through the ordinary DepthModel adapter)."""
    import dataclasses

    from udebench_ude.specs import TEACHER
    from udebench_ude.train_model import Teacher

    from udebench.model import DepthModel

    spec = dataclasses.replace(TEACHER, input_size=None)
    return Teacher(DepthModel(spec, net, mean=net.mean, std=net.std))


def _batch(n=2):
    dataset = SequenceDataset(PlaneSequenceSplit(n=n))
    return collate([dataset[i] for i in range(n)])


def _losses_over_steps(model, batch, steps=12, lr=2e-3):
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    history = []
    for _ in range(steps):
        model.current_iter = 0  # the same draws every step: a fixed batch
        losses = model(**batch)
        loss = sum(v for k, v in losses.items() if k.startswith("loss"))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    return history


def test_supervised_steps_reduce_the_loss_on_a_fixed_batch():
    model = UDETrainModel(build_net("tiny", seed=0, **TINY_ARCH), mode="supervised",
                          options=dict(seed=0, variance_focus=0.85)).train()
    history = _losses_over_steps(model, _batch(), steps=15, lr=2e-3)
    assert min(history[-3:]) < 0.8 * history[0]


def test_rgd_steps_reduce_the_distillation_loss_on_a_fixed_batch():
    from udebench_ude.translate_physics import PhysicsTranslator

    teacher = build_net("tiny", seed=1, **TINY_ARCH)
    with torch.no_grad():
        teacher.depth_anything.head.conv3.bias.fill_(-2.0)  # a teacher (≈ 0.9 m) far from the fresh student (10 m)
    model = UDETrainModel(build_net("tiny", seed=0, **TINY_ARCH), mode="rgd", teacher=as_teacher(teacher),
                          translator=PhysicsTranslator(seed=0), options=rgd_options(reliability=dict(rule="none"))
                          ).train()
    history = _losses_over_steps(model, _batch(), steps=15, lr=5e-3)  # a fixed mask: the objective stays the same
    assert history[-1] < 0.7 * history[0]
    assert all(not p.requires_grad for p in model.teacher_module.parameters())
    assert not model.teacher_module.training


def test_rgd_reports_mask_and_translation_ratios():
    from udebench_ude.translate_physics import PhysicsTranslator

    model = UDETrainModel(build_net("tiny", seed=0, **TINY_ARCH), mode="rgd",
                          teacher=as_teacher(build_net("tiny", seed=1, **TINY_ARCH)),
                          translator=PhysicsTranslator(seed=0),
                          options=rgd_options(reliability=dict(rule="flip_consistency", flip_rel_tol=0.1)))
    out = model(**_batch())
    assert 0.0 <= out["mask_keep"].item() <= 1.0 and "loss_semantic" in out
    assert 0.0 <= out["translated_ratio"].item() <= 1.0


def test_random_mask_rule_keeps_its_share_of_the_pixels_it_distils():
    from udebench_ude.translate_physics import PhysicsTranslator

    model = UDETrainModel(build_net("tiny", seed=0, **TINY_ARCH), mode="rgd",
                          teacher=as_teacher(build_net("tiny", seed=1, **TINY_ARCH)),
                          translator=PhysicsTranslator(seed=0),
                          options=rgd_options(reliability=dict(rule="random", random_keep=0.25)))
    batch = _batch(n=4)
    out = model(**batch)
    n = batch["image"].shape[0] * batch["image"].shape[-2] * batch["image"].shape[-1]
    assert abs(out["mask_keep"].item() - 0.25) < 5 * (0.25 * 0.75 / n) ** 0.5
    assert torch.equal(out["loss_distill"], model(**batch)["loss_distill"])  # the step's seed fixes the draws


def test_sampler_resumes_at_any_position_without_replaying():
    sampler = ResumableInfiniteSampler(5, seed=3)
    it = iter(sampler)
    first = [next(it) for _ in range(12)]
    sampler.start = 7
    it = iter(sampler)
    assert [next(it) for _ in range(5)] == first[7:12]
    assert sorted(first[:5]) == list(range(5))


def _trainer(tmp_path, work_dir, max_iters, stop_after=None, **sections):
    teacher = tmp_path / "teacher.safetensors"
    if not teacher.exists():
        save_safetensors(build_net("tiny", seed=1, **TINY_ARCH), teacher, fp16=False)
    cfg = tiny_config(tmp_path, teacher=str(teacher), **sections)
    trainer = UDETrainer(cfg, mode="rgd", work_dir=str(work_dir), max_iters=max_iters, progress=False)
    trainer.build_runner(split=PlaneSequenceSplit(n=4))
    if stop_after is not None:
        trainer.runner.register_hook(Interrupt(stop_after), priority="LOWEST")  # after the checkpoint hook
    return trainer


class Interrupted(Exception):
    pass


class Interrupt(Hook):
    """Stops training after ``n`` iterations, as a killed process would (the checkpoint of iteration n is saved)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if runner.iter + 1 >= self.n:
            raise Interrupted


def _weights(trainer):
    return {k: v.clone() for k, v in trainer.runner.model.net.state_dict().items()}


@pytest.mark.slow
def test_resume_continues_iterations_and_loss_history_and_matches_an_uninterrupted_run(tmp_path, ude_plugin):
    straight = _trainer(tmp_path, tmp_path / "straight", 4)
    straight.train()
    with pytest.raises(Interrupted):
        _trainer(tmp_path, tmp_path / "split", 4, stop_after=2).train()
    assert not (tmp_path / "split" / "iter_4.pth").exists()
    resumed = _trainer(tmp_path, tmp_path / "split", 4)
    summary = resumed.train()
    assert summary["iterations"] == 4
    losses = resumed.runner.message_hub.get_scalar("train/loss")._log_history
    assert len(losses) == 4  # two from before the checkpoint, two after
    expected = straight.runner.message_hub.get_scalar("train/loss")._log_history
    assert losses.tolist() == pytest.approx(expected.tolist(), rel=1e-4)
    a, b = _weights(straight), _weights(resumed)
    assert all(torch.allclose(a[k], b[k], atol=1e-5) for k in a)
    assert (tmp_path / "split" / "iter_4.pth").is_file()


def test_resuming_with_another_length_is_refused(tmp_path, ude_plugin):
    from udebench.errors import UdebenchError

    _trainer(tmp_path, tmp_path / "wd", 2).train()
    with pytest.raises(UdebenchError, match="--no-resume"):
        _trainer(tmp_path, tmp_path / "wd", 3)


def test_checkpoints_load_with_the_safe_unpickler(tmp_path, ude_plugin):
    from udebench_ude.checkpoint import load_checkpoint_file

    _trainer(tmp_path, tmp_path / "wd", 2).train()
    checkpoint = load_checkpoint_file(tmp_path / "wd" / "iter_2.pth")  # weights_only=True
    assert checkpoint["meta"]["iter"] == 2
    assert checkpoint["message_hub"]["log_scalars"]["train/loss"].current() > 0


class PlaneSplitPlugin:
    @hookimpl
    def register_splits(self, register):
        register(SplitSpec(name="plane-seq-test", factory=_plane_split, dataset="plane", condition="day"))


def _plane_split(data_root=None, height=28, width=56, **options):
    return PlaneSequenceSplit(height=int(height), width=int(width))


def test_udebench_train_runs_a_config_file_and_export_writes_weights_and_card(tmp_path, ude_plugin):
    import json

    from click.testing import CliRunner
    from udebench_ude.export import export, export_command
    from udebench_ude.weights import load_net

    from udebench import plugins
    from udebench.training import load_config, run_training

    save_safetensors(build_net("tiny", seed=1, **TINY_ARCH), tmp_path / "teacher.safetensors")
    cfg = tiny_config(tmp_path, teacher=str(tmp_path / "teacher.safetensors"), data=dict(split="plane-seq-test"),
                      distill=dict(loss="l1_disparity"), reliability=dict(mask_direction="teacher_ge_student"))
    cfg["teacher"] = dict(model="ude_teacher", weights=str(tmp_path / "teacher.safetensors"))
    cfg.pop("config_path")
    path = tmp_path / "rgd_test.py"
    path.write_text("".join(f"{key} = {value!r}\n" for key, value in cfg.items()))
    plugin = PlaneSplitPlugin()
    plugins.register_plugin(plugin, name="plane-split-test")
    try:
        summary = run_training(load_config(path), work_dir=str(tmp_path / "wd"), max_iters=2)
    finally:
        plugins.unregister_plugin(plugin)
    assert summary["iterations"] == 2 and summary["trainer"] == "rgd"
    card = export(tmp_path / "wd", "exported", output_dir=tmp_path / "out")
    assert card["training"]["config"]["reliability"]["mask_direction"] == "teacher_ge_student"
    assert json.loads((tmp_path / "out" / "exported.json").read_text())["sha256"] == card["sha256"]
    net, sha = load_net(tmp_path / "out" / "exported.safetensors")
    assert sha == card["sha256"] and net.arch["hidden_size"] == 32
    result = CliRunner().invoke(export_command, [str(tmp_path / "wd"), "--name", "cli", "--output-dir",
                                                 str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "cli.safetensors").is_file() and (tmp_path / "out" / "cli.json").is_file()


def test_unknown_config_options_are_errors(tmp_path):
    from udebench.errors import UdebenchError

    with pytest.raises(UdebenchError, match="reliability"):
        UDETrainer(tiny_config(tmp_path, reliability=dict(rulez="none")), mode="rgd", work_dir=str(tmp_path))
    trainer = UDETrainer(tiny_config(tmp_path, reliability=dict(mask_direction="up")), mode="rgd",
                         work_dir=str(tmp_path))
    with pytest.raises(UdebenchError, match="mask_direction"):
        trainer.model_options()
    with pytest.raises(UdebenchError, match="translation.p_translate"):
        UDETrainer(tiny_config(tmp_path, distill=dict(p_clean=0.8)), mode="rgd", work_dir=str(tmp_path))
    for option, match in ((dict(oracle_align="mean"), "oracle_align"), (dict(random_keep=1.5), "random_keep")):
        trainer = UDETrainer(tiny_config(tmp_path, reliability=option), mode="rgd", work_dir=str(tmp_path))
        with pytest.raises(UdebenchError, match=match):
            trainer.model_options()


def test_encoder_fine_tunes_at_a_fraction_of_the_head_learning_rate():
    from udebench_ude.trainer import param_groups

    net = build_net("tiny", seed=0, **TINY_ARCH)
    groups = param_groups(net, 1e-4, 0.1)
    assert [g["lr"] for g in groups] == pytest.approx([1e-5, 1e-4])
    assert sum(p.numel() for g in groups for p in g["params"]) == sum(p.numel() for p in net.parameters())
    assert len(param_groups(net, 1e-4, 1.0)) == 1


def test_shipped_teacher_reference_resolves_to_the_package_file_or_says_how_to_make_it(tmp_path, monkeypatch):
    import udebench_ude.weights
    from udebench_ude.trainer import _resolve_path

    from udebench.errors import UdebenchError

    monkeypatch.setattr(udebench_ude.weights, "WEIGHTS_DIR", tmp_path)
    with pytest.raises(UdebenchError, match="udebench ude export"):
        _resolve_path("shipped:ude_teacher_tiny_synth", {})
    (tmp_path / "ude_teacher_tiny_synth.safetensors").write_bytes(b"")
    assert _resolve_path("shipped:ude_teacher_tiny_synth", {}) == str(tmp_path / "ude_teacher_tiny_synth.safetensors")


class _Stored:
    """A stand-in for a stored-translation reader: sample 'a' is stored (all 200), others are not."""

    def get(self, sample_id):
        import numpy as np

        return np.full((4, 6, 3), 200, np.uint8) if sample_id == "a" else None


def test_stored_translations_are_read_by_sample_id_and_missing_ones_translated_on_the_fly():
    from udebench_ude.conditions import translate_mixed
    from udebench_ude.translate_physics import PhysicsTranslator

    images = torch.rand(3, 3, 4, 6, generator=torch.Generator().manual_seed(0))
    out = translate_mixed(PhysicsTranslator(seed=0), images, ["night", "night", None], stored={"night": _Stored()},
                          sample_ids=["a", "b", "c"], generator=torch.Generator().manual_seed(0))
    assert torch.allclose(out[0], torch.full((3, 4, 6), 200 / 255))  # read from the stored set
    assert not torch.equal(out[1], images[1])  # not stored: translated on the fly
    assert torch.equal(out[2], images[2])  # clean
    clean_fallback = translate_mixed(None, images, ["night", "night", None], stored={"night": _Stored()},
                                     sample_ids=["a", "b", "c"])
    assert torch.equal(clean_fallback[1], images[1])  # no translator (an expensive one): stays clean


def test_rgd_reads_what_udebench_translate_stored_for_its_training_split(tmp_path, ude_plugin):
    from udebench.errors import UdebenchError
    from udebench.translate.materialize import translate_split
    from udebench.translate.options import TranslateOptions

    data = dict(split="synth-train-day", n_sequences=2, frames_per_sequence=3, height=28, width=56)
    translation = dict(conditions=["night"], p_translate=1.0, stored=True)
    save_safetensors(build_net("tiny", seed=1, **TINY_ARCH), tmp_path / "teacher.safetensors")
    cfg = tiny_config(tmp_path, teacher=str(tmp_path / "teacher.safetensors"), data=data, translation=translation,
                      reliability=dict(rule="none"))
    cfg["teacher"] = dict(model="ude_teacher", weights=str(tmp_path / "teacher.safetensors"))
    with pytest.raises(UdebenchError, match="udebench translate"):
        UDETrainer(cfg, mode="rgd", work_dir=str(tmp_path / "missing"), progress=False).build_runner()
    split_options = {k: v for k, v in data.items() if k != "split"}
    translate_split(TranslateOptions(split="synth-train-day", translator="physics", condition="night",
                                     split_options=split_options, progress=False))
    trainer = UDETrainer(cfg, mode="rgd", work_dir=str(tmp_path / "wd"), max_iters=1, progress=False)
    trainer.build_runner()
    reader = trainer.runner.model.stored["night"]
    assert reader.get("synth-train-000000-1") is not None and set(trainer.stored_keys) == {"night"}
    assert trainer.train()["iterations"] == 1


def _plane_config(tmp_path, trainer, **sections):
    save_safetensors(build_net("tiny", seed=1, **TINY_ARCH), tmp_path / "teacher.safetensors")
    sections["data"] = {"split": "plane-seq-test", **sections.get("data", {})}
    cfg = tiny_config(tmp_path, trainer=trainer, **sections)
    cfg["teacher"] = dict(model="ude_teacher", weights=str(tmp_path / "teacher.safetensors"))
    return cfg


@pytest.mark.parametrize(("trainer", "sections", "logged"), [
    ("self_supervised", {}, ["loss_photometric", "loss_smoothness", "automask_ratio"]),
    ("self_supervised", {"photometric": {"pose": "posenet"}, "translation": {"conditions": ["night"],
                                                                              "p_translate": 1.0}},
     ["loss_photometric", "translated_ratio"]),
    ("rgd", {"photometric": {"weight": 1.0}, "reliability": {"rule": "oracle"}},
     ["loss_photometric", "loss_distill", "mask_keep", "oracle_keep"]),
    ("rgd", {"photometric": {"weight": 1.0}, "reliability": {"rule": "photometric", "margin": 0.01}},
     ["loss_photometric", "loss_distill", "mask_keep", "mask_precision", "oracle_keep"]),
])
def test_each_recipe_trains_from_a_config_and_logs_its_terms(tmp_path, ude_plugin, trainer, sections, logged):
    from udebench import plugins
    from udebench.training import run_training

    plugin = PlaneSplitPlugin()
    plugins.register_plugin(plugin, name="plane-split-test")
    try:
        config = _plane_config(tmp_path, trainer, **sections)
        trainer_object = UDETrainer(config, mode=trainer, work_dir=str(tmp_path / "wd"), max_iters=2, progress=False)
        summary = trainer_object.train()
    finally:
        plugins.unregister_plugin(plugin)
    assert summary["iterations"] == 2 and summary["trainer"] == trainer and run_training is not None
    hub = trainer_object.runner.message_hub
    for key in logged:
        assert f"train/{key}" in hub.log_scalars, key
    if trainer == "self_supervised":
        assert "train/loss_distill" not in hub.log_scalars  # no teacher in Monodepth2's recipe


def test_a_monodepth2_network_trains_exports_and_loads_through_its_own_model(tmp_path, ude_plugin):
    pytest.importorskip("udebench_baselines")
    import udebench_baselines.plugin
    from udebench_ude.export import export

    from udebench import load_model, plugins
    from udebench.testing import plugin_registered

    plugin = PlaneSplitPlugin()
    plugins.register_plugin(plugin, name="plane-split-test")
    try:
        with plugin_registered(udebench_baselines.plugin, name="baselines"):
            model = dict(name="monodepth2", num_layers=18, base_width=8, decoder_channels=(4, 4, 8, 8, 8), height=64,
                         width=128, max_depth=80.0)
            config = _plane_config(tmp_path, "self_supervised", model=model,
                                   data=dict(split="plane-seq-test", height=64, width=128))
            config["model"] = model  # the UDE defaults (size) do not apply to another network
            UDETrainer(config, mode="self_supervised", work_dir=str(tmp_path / "wd"), max_iters=2,
                       progress=False).train()
            card = export(tmp_path / "wd", "m2_test", output_dir=tmp_path / "out")
            loaded = load_model("monodepth2", weights=str(tmp_path / "out" / "m2_test.safetensors"))
    finally:
        plugins.unregister_plugin(plugin)
    assert card["model"] == "monodepth2" and card["training"]["trainer"] == "self_supervised"
    assert loaded.weights_sha256 == card["sha256"]
    assert tuple(loaded.spec.input_size) == (64, 128)
