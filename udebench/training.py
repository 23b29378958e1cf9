"""`udebench train CONFIG`: load an mmengine config and hand it to the trainer it names.

The trainer contract: ``TrainerSpec.factory(config, *, work_dir, resume=True, device=None,
max_iters=None)`` returns an object whose ``train()`` runs (resuming from ``work_dir`` when
``resume`` and a checkpoint is there) and returns a JSON-able summary dict. ``config`` is the
mmengine ``Config`` of the file; its ``trainer`` field named the recipe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from udebench.errors import UdebenchError
from udebench.plugins import lookup


@runtime_checkable
class Trainer(Protocol):
    """What a trainer factory returns: ``train()`` → summary dict (iterations, final loss, work_dir, ...)."""

    def train(self) -> dict[str, Any]: ...


def parse_overrides(items: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``["seed=2", "translation.p_translate=0.8"]`` → ``{"seed": 2, "translation.p_translate": 0.8}``."""
    import ast

    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UdebenchError(f"--cfg-options {item!r}: expected KEY=VALUE, e.g. seed=2")
        try:
            value: Any = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw  # a bare word: a string
        out[key.strip()] = value
    return out


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> Any:
    """An mmengine Config (with dotted-key ``overrides`` merged in); it must name its trainer (``trainer = "rgd"``)."""
    from mmengine.config import Config

    try:
        cfg = Config.fromfile(str(path))
        if overrides:
            cfg.merge_from_dict(overrides)
    except Exception as exc:  # syntax errors, missing _base_ files
        raise UdebenchError(f"config {path}: {exc}") from exc
    if "trainer" not in cfg:
        raise UdebenchError(f"config {path}: no `trainer = \"...\"` field; `udebench list trainers` shows the choices")
    cfg.setdefault("config_path", str(Path(path).resolve()))
    return cfg


def run_training(cfg: Any, *, work_dir: str | None = None, resume: bool = True, device: str | None = None,
                 max_iters: int | None = None) -> dict[str, Any]:
    """Build the trainer from its plugin factory and train; returns its summary."""
    spec = lookup("trainers", cfg.trainer)
    if work_dir is None:
        work_dir = cfg.get("work_dir") or str(Path("work_dirs") / Path(cfg.config_path).stem)
    trainer = spec.factory(cfg, work_dir=work_dir, resume=resume, device=device, max_iters=max_iters)
    return trainer.train()
