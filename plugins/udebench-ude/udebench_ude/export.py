"""``udebench ude export WORK_DIR --name NAME``: a trained work dir → fp16 safetensors + JSON model card.

By default it writes into the package's ``weights/`` folder, where ``ude_teacher``/``ude_student``
look when no ``--weights`` is given.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

MAX_SHIPPED_MB = 10.0


def export(work_dir: str | Path, name: str, *, output_dir: str | Path | None = None, fp16: bool = True,
           eval_splits: tuple[str, ...] = (), eval_limit: int | None = None) -> dict[str, Any]:
    """Write ``<output_dir>/<name>.safetensors`` and ``<name>.json``; returns the card."""
    from udebench.plugin import UdebenchError
    from udebench_ude.arch import IMAGENET_MEAN, IMAGENET_STD
    from udebench_ude.trainer import SUMMARY_FILE, TRAIN_RECORD
    from udebench_ude.weights import WEIGHTS_DIR, load_net, save_safetensors, write_card

    work_dir = Path(work_dir)
    if not (work_dir / "last_checkpoint").is_file():
        raise UdebenchError(f"{work_dir}: no last_checkpoint; is it a udebench-ude training work dir?")
    net, checkpoint_sha = load_net(work_dir)
    out = Path(output_dir) if output_dir else WEIGHTS_DIR
    path = out / f"{name}.safetensors"
    sha256 = save_safetensors(net, path, fp16=fp16)
    record = _read_json(work_dir / TRAIN_RECORD)
    summary = _read_json(work_dir / SUMMARY_FILE)
    trainer = record.get("trainer")
    options = record.get("options", {})
    card: dict[str, Any] = {
        "name": name,
        "model": "ude_teacher" if trainer == "supervised" else "ude_student",
        "architecture": "DINOv2 + DPT head (transformers DepthAnythingForDepthEstimation), sigmoid disparity",
        "arch": net.arch, "min_depth": net.min_depth, "max_depth": net.max_depth,
        "input_size": list(net.arch.get("input_size") or []), "mean": IMAGENET_MEAN, "std": IMAGENET_STD,
        "output": "metric_depth", "dtype": "float16" if fp16 else "float32",
        "n_parameters": sum(p.numel() for p in net.parameters()),
        "training": {"trainer": trainer, "command": record.get("command"), "commands": record.get("commands"),
                     "config_path": record.get("config_path"), "config": options,
                     "data": options.get("data"), "scene_seeds": _scene_seeds(options.get("data") or {}),
                     "seed": options.get("seed"),
                     "teacher_sha256": record.get("teacher_sha256"), "checkpoint_sha256": checkpoint_sha},
        "training_summary": summary,
        "final_metrics": {},
        "sha256": sha256,
    }
    for split in eval_splits:
        try:
            card["final_metrics"][split] = _evaluate(card["model"], path, split, eval_limit)
        except Exception as exc:  # the weights are written; a failed evaluation must not lose the card
            card["final_metrics"][split] = {"error": f"{type(exc).__name__}: {exc}"}
            click.echo(f"warning: evaluating {name} on {split} failed: {exc}", err=True)
    write_card(path, card)
    size_mb = path.stat().st_size / 1e6
    if size_mb > MAX_SHIPPED_MB:
        click.echo(f"warning: {path} is {size_mb:.1f} MB (> {MAX_SHIPPED_MB} MB shipped limit)", err=True)
    return card


def _evaluate(model: str, weights: Path, split: str, limit: int | None) -> dict[str, Any]:
    import tempfile

    from udebench import evaluate

    with tempfile.TemporaryDirectory() as tmp:
        summary = evaluate(model, split, weights=str(weights), limit=limit, results=Path(tmp) / "r.sqlite",
                           progress=False)
    # limit and split_config (the synth size) let a test re-run exactly this evaluation and compare
    return {"n_samples": summary.n_samples, "limit": limit, "split_config": summary.options.get("split_config"),
            "alignment": summary.alignment, **summary.metrics}


def _scene_seeds(data: dict[str, Any]) -> dict[str, Any] | None:
    """The synth world's training scene seeds the data section used (disjoint from the test scenes')."""
    split = str(data.get("split") or "synth-train-day")
    if not split.startswith("synth-train") or not data.get("n_sequences"):
        return None
    from udebench.plugin import get_split

    n = int(data["n_sequences"])
    seeds = get_split(split, n_sequences=n).config.get("scene_seeds")
    return seeds or {"count": n}


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {}


@click.group(name="ude")
def ude_group() -> None:
    """UDE (udebench-ude plugin): export trained weights."""


@ude_group.command(name="export")
@click.argument("work_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--name", required=True, help="File stem, e.g. ude_student_tiny_synth.")
@click.option("--output-dir", default=None, help="Folder [default: the udebench_ude package's weights/].")
@click.option("--fp32", is_flag=True, help="Store float32 instead of float16.")
@click.option("--eval-split", "eval_splits", multiple=True,
              help="Also evaluate on this split (repeatable) and put the metrics in the card.")
@click.option("--eval-limit", default=None, type=click.IntRange(min=1), help="Only the first N samples.")
def export_command(work_dir: str, name: str, output_dir: str | None, fp32: bool, eval_splits: tuple[str, ...],
                   eval_limit: int | None) -> None:
    """Write WORK_DIR's last checkpoint as NAME.safetensors (+ NAME.json model card)."""
    card = export(work_dir, name, output_dir=output_dir, fp16=not fp32, eval_splits=eval_splits,
                  eval_limit=eval_limit)
    click.echo(json.dumps({"name": card["name"], "sha256": card["sha256"], "final_metrics": card["final_metrics"]},
                          indent=2, default=str))
