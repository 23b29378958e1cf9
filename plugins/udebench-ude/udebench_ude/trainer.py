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
    "model": {"size": "tiny"},
    "data": {"n_sequences": 64, "frames_per_sequence": 3, "height": 140, "width": 448, "cache_dir": None,
             "num_workers": 0},
    "schedule": {"max_iters": 1000, "batch_size": 4, "lr": 2e-4, "weight_decay": 0.01, "warmup_iters": 50,
                 "encoder_lr_mult": 1.0, "decay": "cosine", "min_lr_ratio": 0.05, "grad_clip": 1.0, "amp": True,
                 "checkpoint_interval": 200, "max_keep_ckpts": 2, "log_interval": 10},
    "teacher": {"weights": None},
    "init": {"weights": None},
    "distill": {"loss": "silog", "variance_focus": 0.85, "conditions": ["night", "rain", "fog", "snow"],
                "p_clean": None, "translator": "physics", "translator_options": {}},
    "reliability": {"rule": "photometric", "mask_direction": "teacher_le_student", "keep_unseen": True,
                    "flip_rel_tol": 0.1, "photometric_alpha": 0.85},
    "semantic": {"weight": 0.0},
    "supervised": {"variance_focus": 0.85},
}


def resolved(cfg: Any) -> dict[str, Any]:
    """The config's sections merged over :data:`DEFAULTS` (unknown keys are an error: typos must not pass)."""
    out: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        given = cfg.get(key, None)
        if isinstance(default, dict):
            given = dict(given or {})
            unknown = set(given) - set(default)
            if key in ("model", "data"):
                unknown = set()  # architecture overrides / split options: checked by the model / split builders
            if unknown:
                raise UdebenchError(f"config section {key!r}: unknown option(s) {sorted(unknown)}; "
                                    f"known: {sorted(default)}")
            out[key] = {**default, **given}
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
        self.options = resolved(cfg)
        self.work_dir = Path(work_dir)
        self.resume = resume
        self.device = device
        self.max_iters = int(max_iters or self.options["schedule"]["max_iters"])
        self.progress = progress
        self.runner: Any = None

    # -- building blocks -------------------------------------------------------------------------------------------
    def build_net(self):
        from udebench_ude.models import build_net
        from udebench_ude.weights import load_net

        model_cfg = dict(self.options["model"])
        init = self.options["init"].get("weights")
        if init == "teacher":
            init = self.options["teacher"].get("weights")
        if init:
            net, _ = load_net(_resolve_path(init, self.cfg))
            return net.train()
        size = model_cfg.pop("size", "tiny")
        return build_net(size, seed=self.options["seed"], **model_cfg).train()

    def build_teacher(self):
        from udebench_ude.weights import load_net

        weights = self.options["teacher"].get("weights")
        if not weights:
            raise UdebenchError("rgd config: set teacher = dict(weights=...) (a safetensors file or the teacher's "
                                "work dir)")
        net, sha = load_net(_resolve_path(weights, self.cfg))
        self.teacher_sha256 = sha
        return net

    def model_options(self) -> dict[str, Any]:
        from udebench_ude.conditions import default_p_clean
        from udebench_ude.losses import DISTILL_LOSSES
        from udebench_ude.reliability import MASK_DIRECTIONS, RELIABILITY_RULES

        o = self.options
        distill, rel = o["distill"], o["reliability"]
        conditions = list(distill["conditions"] or [])
        p_clean = default_p_clean(conditions) if distill["p_clean"] is None else float(distill["p_clean"])
        checks = [(distill["loss"], DISTILL_LOSSES, "distill.loss"),
                  (rel["rule"], RELIABILITY_RULES, "reliability.rule"),
                  (rel["mask_direction"], MASK_DIRECTIONS, "reliability.mask_direction")]
        for value, allowed, name in checks:
            if value not in allowed:
                raise UdebenchError(f"config {name} = {value!r}: choose one of {', '.join(allowed)}")
        if self.mode == "supervised":
            return {"seed": o["seed"], "variance_focus": o["supervised"]["variance_focus"]}
        return {"seed": o["seed"], "conditions": conditions, "p_clean": p_clean, "distill_loss": distill["loss"],
                "variance_focus": distill["variance_focus"], "reliability": rel["rule"],
                "mask_direction": rel["mask_direction"], "keep_unseen": rel["keep_unseen"],
                "flip_rel_tol": rel["flip_rel_tol"], "photometric_alpha": rel["photometric_alpha"],
                "semantic_weight": o["semantic"]["weight"]}

    def build_translator(self):
        from udebench.plugin import build_translator

        distill = self.options["distill"]
        return build_translator(distill["translator"], seed=self.options["seed"],
                                **dict(distill["translator_options"] or {}))

    def build_dataloader(self, split=None):
        from torch.utils.data import DataLoader

        from udebench_ude.data import ResumableInfiniteSampler, SequenceDataset, build_training_split, collate

        data = self.options["data"]
        need_context = self.mode == "rgd" and self.options["reliability"]["rule"] == "photometric"
        if split is None:
            split = build_training_split(data, need_context=need_context)
        for side in ("height", "width"):
            if int(data.get(side) or 14) % 14:
                raise UdebenchError(f"config data.{side} = {data[side]}: must be a multiple of 14 (DINOv2 patches)")
        dataset = SequenceDataset(split, with_context=need_context)
        sampler = ResumableInfiniteSampler(len(dataset), seed=self.options["seed"])
        workers = int(data.get("num_workers") or 0)
        return DataLoader(dataset, batch_size=int(self.options["schedule"]["batch_size"]), sampler=sampler,
                          num_workers=workers, collate_fn=collate, persistent_workers=workers > 0, drop_last=True)

    def build_optim_wrapper(self, net, device: str):
        import torch
        from mmengine.optim import AmpOptimWrapper, OptimWrapper

        s = self.options["schedule"]
        optimizer = torch.optim.AdamW(param_groups(net, float(s["lr"]), float(s["encoder_lr_mult"])),
                                      lr=float(s["lr"]), weight_decay=float(s["weight_decay"]))
        clip = dict(max_norm=float(s["grad_clip"])) if s["grad_clip"] else None
        if s["amp"] and device.startswith("cuda"):  # AMP on GPU only; CPU autocast is slower than fp32 here
            return AmpOptimWrapper(optimizer=optimizer, clip_grad=clip, dtype="bfloat16")
        return OptimWrapper(optimizer=optimizer, clip_grad=clip)

    def param_schedulers(self) -> list[dict[str, Any]]:
        s = self.options["schedule"]
        warmup = max(1, min(int(s["warmup_iters"]), self.max_iters // 5))
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
                "teacher_sha256": getattr(self, "teacher_sha256", None)}

    # -- the run ---------------------------------------------------------------------------------------------------
    def build_runner(self, split=None):
        from mmengine.runner import Runner

        from udebench.plugin import resolve_device
        from udebench_ude.checkpoint import PlainHistoryCheckpointHook, allow_mmengine_checkpoints
        from udebench_ude.train_model import UDETrainModel
        from udebench_ude.weights import ARCH_FILE, net_metadata

        allow_mmengine_checkpoints()
        self.check_resumable()
        device = resolve_device(self.device)
        net = self.build_net()
        teacher = self.build_teacher() if self.mode == "rgd" else None
        translator = self.build_translator() if self.mode == "rgd" else None
        model = UDETrainModel(net, mode=self.mode, teacher=teacher, translator=translator,
                              options=self.model_options(), device=device).to(device)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        (self.work_dir / ARCH_FILE).write_text(json.dumps(net_metadata(net), indent=2, default=str) + "\n")
        (self.work_dir / TRAIN_RECORD).write_text(json.dumps(self.record(), indent=2, default=str) + "\n")
        s = self.options["schedule"]
        self.throughput = ThroughputHook(int(s["batch_size"]))
        self.runner = Runner(
            model=model, work_dir=str(self.work_dir), experiment_name=self.mode,
            train_dataloader=self.build_dataloader(split),
            train_cfg=dict(type=ResumableIterLoop, max_iters=self.max_iters),
            optim_wrapper=self.build_optim_wrapper(net, device),
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
    encoder = [p for p in net.depth_anything.backbone.parameters() if p.requires_grad]
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
