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


def load_trained_network(work_dir: str | Path) -> tuple[Any, dict[str, Any], str]:
    """``(network, its network.json record, checkpoint sha256)`` from a udebench-ude training work dir.

    The network is rebuilt by its model's ``ModelSpec.network(**arch)`` and gets the checkpoint's
    ``net.`` weights, so any trainable architecture (UDE's, Monodepth2's, a plugin's) exports alike.
    """
    from udebench.plugin import UdebenchError, model_spec, sha256_of
    from udebench_ude.checkpoint import load_checkpoint_file
    from udebench_ude.weights import NETWORK_FILE, _last_checkpoint

    work_dir = Path(work_dir)
    if not (work_dir / "last_checkpoint").is_file():
        raise UdebenchError(f"{work_dir}: no last_checkpoint; is it a udebench-ude training work dir?")
    if not (work_dir / NETWORK_FILE).is_file():
        raise UdebenchError(f"{work_dir}: {NETWORK_FILE} is missing (written by the udebench-ude trainers)")
    record = json.loads((work_dir / NETWORK_FILE).read_text())
    net = model_spec(record["model"]).network(**record["arch"])
    checkpoint = _last_checkpoint(work_dir)
    state = load_checkpoint_file(checkpoint)["state_dict"]
    own = {k[len("net."):]: v for k, v in state.items() if k.startswith("net.")}
    missing, unexpected = net.load_state_dict(own, strict=False)
    if missing or unexpected:
        raise UdebenchError(f"{checkpoint}: {len(missing)} missing and {len(unexpected)} unexpected tensors for "
                            f"{record['model']} (e.g. {(list(missing) or list(unexpected))[:2]})")
    return net.float().eval(), record, sha256_of(str(checkpoint))


def export(work_dir: str | Path, name: str, *, output_dir: str | Path | None = None,
           eval_splits: tuple[str, ...] = (), eval_limit: int | None = None,
           model: str | None = None) -> dict[str, Any]:
    """Write the trained network as ``<output_dir>/<name>.safetensors`` + ``<name>.json`` card; returns the card.

    The network's own ``export`` writes the file its model's factory reads; UDE networks default to the
    package's ``weights/`` folder, others need ``output_dir``. ``model``: the registered model the card is
    for and evaluates with (default: the one whose network was trained; e.g. ``md4all`` for a Monodepth2
    network trained as md4all-DD).
    """
    from udebench.plugin import UdebenchError, read_card, write_card
    from udebench_ude.trainer import SUMMARY_FILE, TRAIN_RECORD
    from udebench_ude.weights import WEIGHTS_DIR

    work_dir = Path(work_dir)
    net, network, checkpoint_sha = load_trained_network(work_dir)
    model = model or network["model"]
    if output_dir is None and not hasattr(net, "depth_anything"):
        raise UdebenchError(f"{work_dir} trained a {model} network: give --output-dir (e.g. the plugin's weights "
                            "folder of that model)")
    out = Path(output_dir) if output_dir else WEIGHTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.safetensors"
    record = _read_json(work_dir / TRAIN_RECORD)
    summary = _read_json(work_dir / SUMMARY_FILE)
    options = record.get("options", {})
    card: dict[str, Any] = {
        "name": name,
        "model": model,
        "architecture": type(net).__name__,
        "trained_here": "synth world (udebench); NOT the published weights of the paper or of the model's authors",
        "training": {"trainer": record.get("trainer"), "command": record.get("command"),
                     "commands": record.get("commands"), "config_path": record.get("config_path"),
                     "config": options, "data": options.get("data"),
                     "scene_seeds": _scene_seeds(options.get("data") or {}), "seed": options.get("seed"),
                     "teacher_sha256": record.get("teacher_sha256"), "checkpoint_sha256": checkpoint_sha},
        "training_summary": summary,
        "final_metrics": {},
    }
    sha256 = net.export(path, card)
    card = {**(read_card(path) or card), "sha256": sha256}
    for split in eval_splits:
        try:
            card["final_metrics"][split] = _evaluate(model, path, split, eval_limit)
        except Exception as exc:  # the weights are written; a failed evaluation must not lose the card
            card["final_metrics"][split] = {"error": f"{type(exc).__name__}: {exc}"}
            click.echo(f"warning: evaluating {name} on {split} failed: {exc}", err=True)
    write_card(path, card)
    size_mb = path.stat().st_size / 1e6 if path.is_file() else 0.0
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
    """UDE (udebench-ude plugin): export weights trained by its trainers."""


@ude_group.command(name="export")
@click.argument("work_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--name", required=True, help="File stem, e.g. ude_student_tiny_synth.")
@click.option("--output-dir", default=None,
              help="Folder [default for UDE networks: the udebench_ude package's weights/; others must give it].")
@click.option("--eval-split", "eval_splits", multiple=True,
              help="Also evaluate on this split (repeatable) and put the metrics in the card.")
@click.option("--eval-limit", default=None, type=click.IntRange(min=1), help="Only the first N samples.")
@click.option("--model", default=None,
              help="The registered model the card is for and evaluates with [default: the trained network's].")
def export_command(work_dir: str, name: str, output_dir: str | None, eval_splits: tuple[str, ...],
                   eval_limit: int | None, model: str | None) -> None:
    """Write WORK_DIR's last checkpoint as NAME.safetensors (+ NAME.json model card)."""
    if model is not None:
        from udebench.plugin import model_spec

        model_spec(model)  # an unknown name fails before anything is written
    card = export(work_dir, name, output_dir=output_dir, eval_splits=eval_splits, eval_limit=eval_limit, model=model)
    click.echo(json.dumps({"name": card["name"], "sha256": card["sha256"], "final_metrics": card["final_metrics"]},
                          indent=2, default=str))
