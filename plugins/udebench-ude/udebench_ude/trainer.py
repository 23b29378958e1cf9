"""The ``rgd`` and ``supervised`` trainers: config → mmengine Runner (iteration loop, AdamW, warm-up + decay,
AMP on GPU, checkpoints, resume, progress).

Config fields (``configs/ude/``; defaults in :data:`DEFAULTS`): ``seed``, ``model`` (size + overrides),
``data`` (split options), ``schedule`` (iterations, batch size, lr, ...), ``teacher`` (weights, rgd),
``init`` (initial weights of the trained net), ``distill``, ``reliability``, ``semantic``, ``supervised``.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop

from udebench.plugin import UdebenchError

TRAIN_RECORD = "ude_train.json"
SUMMARY_FILE = "train_summary.json"

DEFAULTS: dict[str, Any] = {
    "seed": 0,
    # name: a registered model whose spec offers a trainable network; the other keys are its architecture options
    "model": {"name": "ude_student", "size": "tiny"},
    "data": {"n_sequences": 64, "frames_per_sequence": 3, "height": 140, "width": 448, "cache_dir": None,
             "num_workers": 0},
    "schedule": {"max_iters": 1000, "batch_size": 4, "lr": 2e-4, "weight_decay": 0.01, "warmup_iters": 50,
                 "encoder_lr_mult": 1.0, "decay": "cosine", "min_lr_ratio": 0.05, "grad_clip": 1.0, "amp": True,
                 "checkpoint_interval": 200, "max_keep_ckpts": 2, "log_interval": 10},
    # the frozen teacher: a registered metric-depth model and its weights (None: its default weights)
    "teacher": {"model": "ude_teacher", "weights": None},
    # initial weights of the trained network: None (random, seeded), "teacher", or a weights path of model.name
    "init": {"weights": None},
    # what the student sees: the clean image, or with probability p_translate one of `conditions`
    # stored: read the translations `udebench translate` stored for data.split (made with stored_seed), e.g. GDT
    # made once on a GPU; images the stored set lacks are translated on the fly (cheap translators) or stay clean
    "translation": {"translator": "physics", "options": {}, "conditions": ["night", "rain", "fog", "snow"],
                    "p_translate": 0.2, "stored": False, "stored_seed": 0},
    # Monodepth2's self-supervised term on the clean neighbouring frames (weight 0 = off)
    "photometric": {"weight": 0.0, "alpha": 0.85, "smoothness": 1e-3, "automask": True, "pose": "known",
                    "posenet_width": 32},
    "distill": {"weight": 1.0, "loss": "silog", "variance_focus": 0.85},
    "reliability": {"rule": "photometric", "mask_direction": "teacher_le_student", "keep_unseen": True,
                    "margin": 0.0, "oracle_tau": 0.15, "oracle_align": "none", "flip_rel_tol": 0.1,
                    "photometric_alpha": 0.85, "random_keep": 0.545},
    "semantic": {"weight": 0.0},
    "supervised": {"variance_focus": 0.85},
}

#: defaults that differ by recipe (merged over DEFAULTS before the config)
MODE_DEFAULTS: dict[str, dict[str, Any]] = {
    "self_supervised": {"photometric": {"weight": 1.0}, "distill": {"weight": 0.0}, "translation": {"conditions": []}},
}

#: options that moved, and where to
MOVED = {("distill", "p_clean"): "translation.p_translate (the chance of TRANSLATING: 1 - p_clean)",
         ("distill", "conditions"): "translation.conditions", ("distill", "translator"): "translation.translator",
         ("distill", "translator_options"): "translation.options", ("model", "size_only"): ""}


def resolved(cfg: Any, mode: str = "rgd") -> dict[str, Any]:
    """The config's sections merged over the recipe's defaults (unknown keys are an error: typos must not pass)."""
    out: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        given = cfg.get(key, None)
        if isinstance(default, dict):
            base = {**default, **MODE_DEFAULTS.get(mode, {}).get(key, {})}
            given = dict(given or {})
            for option in given:
                if (key, option) in MOVED:
                    raise UdebenchError(f"config {key}.{option} moved to {MOVED[key, option]}")
            unknown = set(given) - set(default)
            if key in ("model", "data"):
                unknown = set()  # architecture overrides / split options: checked by the model / split builders
            if unknown:
                raise UdebenchError(f"config section {key!r}: unknown option(s) {sorted(unknown)}; "
                                    f"known: {sorted(default)}")
            # another network's architecture options have nothing to do with UDE's defaults
            out[key] = dict(given) if key == "model" and given.get("name", base["name"]) != base["name"] \
                else {**base, **given}
        else:
            out[key] = default if given is None else given
    return out


class IterSeedHook(Hook):
    """Tells the model the iteration it runs, so its random draws are a function of (seed, iteration)."""

    priority = "HIGHEST"

    def before_train_iter(self, runner, batch_idx: int, data_batch: Any = None) -> None:
        model = runner.model.module if hasattr(runner.model, "module") else runner.model
        model.current_iter = runner.iter


class ThroughputHook(Hook):
    """Counts images and seconds of this session's training (resumed iterations excluded)."""

    priority = "LOW"

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size
        self.images = 0
        self.seconds = 0.0
        self._t0: float | None = None

    def before_train_iter(self, runner, batch_idx: int, data_batch: Any = None) -> None:
        self._t0 = time.perf_counter()

    def after_train_iter(self, runner, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        if self._t0 is not None:
            self.seconds += time.perf_counter() - self._t0
            self.images += self.batch_size

    @property
    def images_per_second(self) -> float:
        return self.images / self.seconds if self.seconds else 0.0


class TrainProgressHook(Hook):
    """The shared progress bar (iterations, it/s, loss, ETA) when stderr is a terminal."""

    priority = "VERY_LOW"

    def __init__(self, batch_size: int, enabled: bool | None = None) -> None:
        import sys

        self.batch_size = batch_size
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.bar: Any = None

    def before_train(self, runner) -> None:
        from udebench.plugin import progress_bar

        self.bar = progress_bar("training", total=runner.max_iters, completed=runner.iter, unit="it",
                                enabled=self.enabled).start()

    def after_train_iter(self, runner, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        if self.bar is not None:
            loss = float(outputs["loss"].detach()) if outputs and "loss" in outputs else float("nan")
            self.bar.advance(1, info=f"{self.batch_size} img/it · loss {loss:.4f}")

    def after_train(self, runner) -> None:
        if self.bar is not None:
            self.bar.stop()


class ResumableIterLoop(IterBasedTrainLoop):
    """IterBasedTrainLoop that skips trained batches by moving the sampler, not by loading them again."""

    def run(self):
        self.runner.call_hook("before_train")
        self.runner.call_hook("before_train_epoch")
        if self._iter > 0:
            self.dataloader.sampler.start = self._iter * self.dataloader.batch_size
        batches = iter(self.dataloader)  # the sampler is endless, so is this iterator
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            self.run_iter(next(batches))
        self.runner.call_hook("after_train_epoch")
        self.runner.call_hook("after_train")
        return self.runner.model


class UDETrainer:
    """``udebench train`` entry: ``UDETrainer(cfg, mode=..., work_dir=...).train() -> summary dict``."""

    def __init__(self, cfg: Any, *, mode: str, work_dir: str, resume: bool = True, device: str | None = None,
                 max_iters: int | None = None, progress: bool | None = None) -> None:
        self.cfg = cfg
        self.mode = mode
        self.options = resolved(cfg, mode)
        self.work_dir = Path(work_dir)
        self.resume = resume
        self.device = device
        self.max_iters = int(max_iters or self.options["schedule"]["max_iters"])
        self.progress = progress
        self.runner: Any = None

    # -- building blocks -------------------------------------------------------------------------------------------
    def build_net(self):
        """The trained network: ``model.name``'s trainable network, random (seeded) or from ``init.weights``."""
        from udebench.plugin import load_model, model_spec

        model_cfg = dict(self.options["model"])
        name = model_cfg.pop("name")
        spec = model_spec(name)
        if spec.network is None:
            raise UdebenchError(f"config model.name = {name!r}: that model offers no trainable network")
        net = spec.network(seed=int(self.options["seed"]), **model_cfg)
        init = self.options["init"].get("weights")
        if init:
            source_model, source = (self.options["teacher"]["model"], self.options["teacher"].get("weights")) \
                if init == "teacher" else (name, init)
            loaded = load_model(source_model, weights=_resolve_path(source, self.cfg) if source else None).module
            try:
                net.load_state_dict(loaded.state_dict())
            except RuntimeError as exc:
                raise UdebenchError(f"config init.weights = {init!r}: not the architecture of model.name = {name!r} "
                                    f"({str(exc).splitlines()[0]})") from exc
        self.network_record = {"model": name, "arch": dict(net.arch), "min_depth": net.min_depth,
                               "max_depth": net.max_depth}
        return net.train()

    def build_teacher(self):
        """The frozen teacher, loaded through its model's ordinary factory (any registered metric model)."""
        from udebench.plugin import load_model
        from udebench_ude.train_model import Teacher

        teacher = self.options["teacher"]
        weights = teacher.get("weights")
        model = load_model(teacher["model"], weights=_resolve_path(weights, self.cfg) if weights else None)
        self.teacher_sha256 = getattr(model, "weights_sha256", None)
        try:
            return Teacher(model)
        except ValueError as exc:
            raise UdebenchError(f"config teacher: {exc}") from exc

    def build_posenet(self):
        import torch

        from udebench_ude.posenet import PoseNet

        torch.manual_seed(int(self.options["seed"]) + 1)
        return PoseNet(width=int(self.options["photometric"]["posenet_width"])).train()

    @property
    def needs_teacher(self) -> bool:
        return self.mode == "rgd"

    @property
    def needs_context(self) -> bool:
        o = self.options
        photometric = self.mode != "supervised" and float(o["photometric"]["weight"]) > 0
        return photometric or (self.mode == "rgd" and o["reliability"]["rule"] == "photometric")

    def model_options(self) -> dict[str, Any]:
        from udebench_ude.losses import DISTILL_LOSSES
        from udebench_ude.reliability import MASK_DIRECTIONS, ORACLE_ALIGNMENTS, RELIABILITY_RULES

        o = self.options
        distill, rel, translation = o["distill"], o["reliability"], o["translation"]
        p_translate = float(translation["p_translate"])
        checks = [(distill["loss"], DISTILL_LOSSES, "distill.loss"),
                  (rel["rule"], RELIABILITY_RULES, "reliability.rule"),
                  (rel["mask_direction"], MASK_DIRECTIONS, "reliability.mask_direction"),
                  (rel["oracle_align"], ORACLE_ALIGNMENTS, "reliability.oracle_align"),
                  (o["photometric"]["pose"], ("known", "posenet"), "photometric.pose")]
        for value, allowed, name in checks:
            if value not in allowed:
                raise UdebenchError(f"config {name} = {value!r}: choose one of {', '.join(allowed)}")
        probabilities = ((p_translate, "translation.p_translate"),
                         (float(rel["random_keep"]), "reliability.random_keep"))
        for value, name in probabilities:
            if not 0.0 <= value <= 1.0:
                raise UdebenchError(f"config {name} = {value}: a probability in [0, 1]")
        if self.mode == "supervised":
            return {"seed": o["seed"], "variance_focus": o["supervised"]["variance_focus"]}
        return {"seed": o["seed"], "conditions": list(translation["conditions"] or []), "p_translate": p_translate,
                "photometric": dict(o["photometric"]), "distill": dict(distill), "reliability": dict(rel),
                "semantic_weight": float(o["semantic"]["weight"])}

    def build_translator(self):
        from udebench.plugin import build_translator

        translation = self.options["translation"]
        if not translation["conditions"] or float(translation["p_translate"]) == 0:
            return None
        if translation["stored"] and not _is_cheap(translation["translator"]):
            return None  # an expensive translator (GDT) is only read from its stored set
        return build_translator(translation["translator"], seed=self.options["seed"],
                                **dict(translation["options"] or {}))

    def build_stored_translations(self) -> dict[str, Any]:
        """condition → reader of what ``udebench translate`` stored for the training split (``translation.stored``)."""
        from udebench.plugin import open_translations

        translation, data = self.options["translation"], self.options["data"]
        if not translation["stored"] or not translation["conditions"]:
            return {}
        split = data.get("split") or "synth-train-day"
        split_options = {k: v for k, v in data.items() if k not in ("split", "num_workers") and v is not None}
        readers = {condition: open_translations(split, translation["translator"], condition,
                                                seed=int(translation["stored_seed"]), split_options=split_options,
                                                **dict(translation["options"] or {}))
                   for condition in translation["conditions"]}
        self.stored_keys = {condition: reader.key for condition, reader in readers.items()}
        return readers

    def build_dataloader(self, split=None):
        from torch.utils.data import DataLoader

        from udebench_ude.data import ResumableInfiniteSampler, SequenceDataset, build_training_split, collate

        data = self.options["data"]
        if split is None:
            split = build_training_split(data, need_context=self.needs_context)
        dataset = SequenceDataset(split, with_context=self.needs_context)
        sampler = ResumableInfiniteSampler(len(dataset), seed=self.options["seed"])
        workers = int(data.get("num_workers") or 0)
        return DataLoader(dataset, batch_size=int(self.options["schedule"]["batch_size"]), sampler=sampler,
                          num_workers=workers, collate_fn=collate, persistent_workers=workers > 0, drop_last=True)

    def build_optim_wrapper(self, net, device: str, posenet=None):
        import torch
        from mmengine.optim import AmpOptimWrapper, OptimWrapper

        s = self.options["schedule"]
        groups = param_groups(net, float(s["lr"]), float(s["encoder_lr_mult"]))
        if posenet is not None:
            groups.append({"params": list(posenet.parameters()), "lr": float(s["lr"])})
        optimizer = torch.optim.AdamW(groups,
                                      lr=float(s["lr"]), weight_decay=float(s["weight_decay"]))
        clip = dict(max_norm=float(s["grad_clip"])) if s["grad_clip"] else None
        if s["amp"] and device.startswith("cuda"):  # AMP on GPU only; CPU autocast is slower than fp32 here
            return AmpOptimWrapper(optimizer=optimizer, clip_grad=clip, dtype="bfloat16")
        return OptimWrapper(optimizer=optimizer, clip_grad=clip)

    def param_schedulers(self) -> list[dict[str, Any]]:
        s = self.options["schedule"]
        warmup = max(1, min(int(s["warmup_iters"]), self.max_iters // 5))
        if warmup >= self.max_iters:  # a run of one step: nothing to decay
            return [dict(type="LinearLR", start_factor=1e-3, begin=0, end=self.max_iters, by_epoch=False)]
        decay = dict(begin=warmup, end=self.max_iters, by_epoch=False)
        if s["decay"] == "cosine":
            decay.update(type="CosineAnnealingLR", T_max=self.max_iters - warmup,
                         eta_min_ratio=float(s["min_lr_ratio"]))  # per parameter group
        elif s["decay"] == "poly":
            decay.update(type="PolyLR", power=0.9, eta_min=float(s["lr"]) * float(s["min_lr_ratio"]) *
                         min(1.0, float(s["encoder_lr_mult"])))
        else:
            raise UdebenchError(f"config schedule.decay = {s['decay']!r}: choose cosine or poly")
        return [dict(type="LinearLR", start_factor=1e-3, begin=0, end=warmup, by_epoch=False), decay]

    def check_resumable(self) -> None:
        """Resuming keeps the saved LR schedule, so a different length would silently train on the old one."""
        record = self.work_dir / TRAIN_RECORD
        if not (self.resume and (self.work_dir / "last_checkpoint").is_file() and record.is_file()):
            return
        previous = json.loads(record.read_text()).get("max_iters")
        if previous is not None and int(previous) != self.max_iters:
            raise UdebenchError(f"{self.work_dir} holds a run of {previous} iterations; resuming it with "
                                f"{self.max_iters} would keep its learning-rate schedule. Use the same length, "
                                "--no-resume, or another --work-dir")

    def record(self) -> dict[str, Any]:
        """How this run was started: the model card of an export repeats it."""
        import sys

        argv = list(sys.argv)
        command = " ".join(["udebench", *argv[1:]]) if argv and argv[0].endswith("udebench") else " ".join(argv)
        previous = self.work_dir / TRAIN_RECORD
        commands = json.loads(previous.read_text()).get("commands", []) if previous.is_file() else []
        return {"trainer": self.mode, "command": command, "commands": [*commands, command],
                "config_path": self.cfg.get("config_path"),
                "max_iters": self.max_iters, "options": self.options,
                "teacher_sha256": getattr(self, "teacher_sha256", None),
                "stored_translations": getattr(self, "stored_keys", None)}

    # -- the run ---------------------------------------------------------------------------------------------------
    def build_runner(self, split=None):
        from mmengine.runner import Runner

        from udebench.plugin import resolve_device
        from udebench_ude.checkpoint import PlainHistoryCheckpointHook, allow_mmengine_checkpoints
        from udebench_ude.train_model import UDETrainModel
        from udebench_ude.weights import ARCH_FILE, NETWORK_FILE, net_metadata

        allow_mmengine_checkpoints()
        self.check_resumable()
        device = resolve_device(self.device)
        net = self.build_net()
        options = self.model_options()
        teacher = self.build_teacher() if self.needs_teacher else None
        translator = self.build_translator() if self.mode != "supervised" else None
        uses_posenet = self.mode != "supervised" and self.needs_context and options["photometric"]["pose"] == "posenet"
        posenet = self.build_posenet() if uses_posenet else None
        stored = self.build_stored_translations() if self.mode != "supervised" else {}
        model = UDETrainModel(net, mode=self.mode, teacher=teacher, translator=translator, options=options,
                              device=device, posenet=posenet, stored=stored).to(device)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        (self.work_dir / NETWORK_FILE).write_text(json.dumps(self.network_record, indent=2, default=str) + "\n")
        if hasattr(net, "depth_anything"):  # UDE networks: also the file their loader reads from a work dir
            (self.work_dir / ARCH_FILE).write_text(json.dumps(net_metadata(net), indent=2, default=str) + "\n")
        (self.work_dir / TRAIN_RECORD).write_text(json.dumps(self.record(), indent=2, default=str) + "\n")
        s = self.options["schedule"]
        self.throughput = ThroughputHook(int(s["batch_size"]))
        self.runner = Runner(
            model=model, work_dir=str(self.work_dir), experiment_name=self.mode,
            train_dataloader=self.build_dataloader(split),
            train_cfg=dict(type=ResumableIterLoop, max_iters=self.max_iters),
            optim_wrapper=self.build_optim_wrapper(net, device, posenet),
            param_scheduler=self.param_schedulers(),
            default_hooks=dict(
                timer=dict(type="IterTimerHook"),
                logger=dict(type="LoggerHook", interval=int(s["log_interval"]), log_metric_by_epoch=False),
                param_scheduler=dict(type="ParamSchedulerHook"),
                checkpoint=dict(type="CheckpointHook", interval=int(s["checkpoint_interval"]), by_epoch=False,
                                max_keep_ckpts=int(s["max_keep_ckpts"]), save_last=True),
                sampler_seed=None,
            ),
            custom_hooks=[IterSeedHook(), PlainHistoryCheckpointHook(), self.throughput,
                          TrainProgressHook(int(s["batch_size"]), self.progress)],
            log_processor=dict(by_epoch=False, window_size=int(s["log_interval"])),
            randomness=dict(seed=int(self.options["seed"])),
            env_cfg=dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl" if device.startswith("cuda") else "gloo")),
            resume=self.resume,
            cfg=dict(udebench_ude=self.options, trainer=self.mode),
        )
        return self.runner

    def train(self) -> dict[str, Any]:
        runner = self.runner or self.build_runner()
        start = time.perf_counter()
        runner.train()
        summary_path = self.work_dir / SUMMARY_FILE
        if self.throughput.images == 0 and summary_path.is_file():  # resumed a finished run: keep its summary
            return json.loads(summary_path.read_text())
        loss = runner.message_hub.get_scalar("train/loss")
        summary = {
            "trainer": self.mode,
            "work_dir": str(self.work_dir),
            "iterations": runner.iter,
            "final_loss": float(loss.mean(int(self.options["schedule"]["log_interval"]))),
            "images_per_second": round(self.throughput.images_per_second, 3),  # training steps only
            "images_per_second_end_to_end": round(self.throughput.images / max(time.perf_counter() - start, 1e-9),
                                                  3),
            "wall_seconds": round(time.perf_counter() - start, 1),
            "last_checkpoint": (self.work_dir / "last_checkpoint").read_text().strip()
            if (self.work_dir / "last_checkpoint").is_file() else None,
        }
        (self.work_dir / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n")
        logging.getLogger(__name__).info("training summary: %s", summary)
        return summary


def param_groups(net: Any, lr: float, encoder_lr_mult: float) -> list[dict[str, Any]]:
    """The DINOv2 encoder at ``lr × encoder_lr_mult``, the DPT neck and head at ``lr``.

    Fine-tuning a pretrained encoder wants a smaller step than the head (Depth Anything fine-tunes
    its encoder at a tenth of the decoder's rate); a student that starts as a copy of its teacher
    is such a fine-tune: Adam's first steps move every weight by about ``lr`` whatever the gradient.
    """
    module = net.depth_anything.backbone if hasattr(net, "depth_anything") else getattr(net, "encoder", None)
    encoder = [p for p in module.parameters() if p.requires_grad] if module is not None else []
    encoder_ids = {id(p) for p in encoder}
    rest = [p for p in net.parameters() if p.requires_grad and id(p) not in encoder_ids]
    if encoder_lr_mult == 1.0:
        return [{"params": encoder + rest}]
    return [{"params": encoder, "lr": lr * encoder_lr_mult}, {"params": rest, "lr": lr}]


def _resolve_path(path: str, cfg: Any) -> str:
    """``shipped:NAME`` is the package's weights file; other paths are relative to the current directory, else to
    a parent of the config's folder (the repository root)."""
    if str(path).startswith("shipped:"):
        from udebench_ude.weights import shipped_weights_path

        name = str(path).split(":", 1)[1]
        shipped = shipped_weights_path(name)
        if not shipped.is_file():
            raise UdebenchError(f"{path}: {shipped} is missing; train and export it first "
                                f"(`udebench ude export WORK_DIR --name {name}`)")
        return str(shipped)
    candidate = Path(path)
    if candidate.exists() or candidate.is_absolute():
        return str(candidate)
    config_path = cfg.get("config_path") if hasattr(cfg, "get") else None
    if config_path:
        for parent in Path(config_path).resolve().parents:
            if (parent / path).exists():
                return str(parent / path)
    return str(candidate)


def _is_cheap(translator: str) -> bool:
    from udebench.plugin import translator_spec

    return bool(translator_spec(translator).cheap)
