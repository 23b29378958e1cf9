"""The public Python API; the CLI is a thin layer over these three functions."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from udebench.errors import UdebenchError
from udebench.plugins import lookup, split_spec
from udebench.specs import ModelSpec, SplitSpec

ON_ERROR = ("raise", "skip")
#: sample statuses a resumed run keeps; unreadable samples ("error") are tried again.
RESUME_KEEPS = ("ok", "invalid_prediction", "no_valid_gt")


def get_split(name: str, data_root: str | None = None, **options: Any) -> Sequence[dict[str, Any]]:
    """The samples of split ``name`` (a sized sequence of dicts)."""
    spec: SplitSpec = split_spec(name)
    root = data_root or os.environ.get("UDEBENCH_DATA_ROOT")
    try:
        return spec.factory(data_root=root, **options)
    except UdebenchError:
        raise
    except FileNotFoundError as exc:  # a reader that did not say where the data goes: say it for it
        from udebench.errors import DataNotFoundError
        from udebench.plugins import registry

        dataset = registry()["datasets"].get(spec.dataset)
        where = f"{root or '$UDEBENCH_DATA_ROOT'}/{dataset.spec.folder}" if dataset and dataset.spec.folder else root
        advice = f"; {dataset.spec.how_to_get}" if dataset and dataset.spec.how_to_get else ""
        raise DataNotFoundError(f"split {name}: data not found ({exc}); it belongs in {where}{advice}") from exc


def resolve_device(device: str | None) -> str:
    """``device`` if given, else ``cuda`` when present, else ``cpu``."""
    import torch

    if device:
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise UdebenchError(f"--device {device}: CUDA is not available on this machine")
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_model(name: str, weights: str | None = None, device: str | None = None):
    """Build model ``name`` from its plugin factory, with ``weights`` if given, on ``device``."""
    spec: ModelSpec = lookup("models", name)
    if weights is None and spec.weights_env:
        weights = os.environ.get(spec.weights_env) or None
    if weights is not None and not Path(weights).exists():
        raise UdebenchError(f"--weights {weights}: no such file or folder (model {name!r})")
    model = spec.factory(weights=weights, device=resolve_device(device))
    if weights is not None and getattr(model, "weights_sha256", None) is None:
        from udebench.weights import sha256_of

        model.weights_sha256 = sha256_of(weights)
    return model.to(resolve_device(device))


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for package in ("udebench", "torch", "mmengine", "numpy"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def evaluate(
    model: Any,
    split: str,
    *,
    weights: str | None = None,
    align: str | None = None,
    batch_size: int = 4,
    device: str | None = None,
    limit: int | None = None,
    tag: str | None = None,
    results: str | Path | None = None,
    num_workers: int | None = None,
    flip_pp: bool = False,
    amp: bool = False,
    on_error: str = "raise",
    data_root: str | None = None,
    split_options: dict[str, Any] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Evaluate ``model`` (a registered name or a DepthModel) on ``split``; resumable; returns the summary.

    The run's identity is (model, tag, split, resolved options, weights sha256): calling this
    again with the same arguments skips the samples already stored, and the summary equals
    that of an uninterrupted run.
    """
    from udebench.evaluation.alignment import ALIGNMENTS
    from udebench.results.store import DEFAULT_RESULTS_PATH, ResultsStore

    if on_error not in ON_ERROR:
        raise UdebenchError(f"--on-error {on_error!r}: choose one of {', '.join(ON_ERROR)}")
    if align is not None and align not in ALIGNMENTS:
        raise UdebenchError(f"--align {align!r}: choose one of {', '.join(ALIGNMENTS)}")
    if batch_size < 1:
        raise UdebenchError(f"--batch-size must be ≥ 1, got {batch_size}")
    split_info: SplitSpec = split_spec(split)
    samples = get_split(split, data_root=data_root, **(split_options or {}))
    model_name = model if isinstance(model, str) else model.spec.name
    if isinstance(model, str):
        lookup("models", model)  # fail on a bad name before loading data or weights
    n_total = len(samples) if limit is None else min(limit, len(samples))
    depth_model = load_model(model, weights=weights, device=device) if isinstance(model, str) else model
    alignment = align or depth_model.spec.default_alignment
    options = {
        "alignment": alignment,
        "flip_pp": flip_pp,
        "amp": amp,
        "limit": limit,
        "split_options": split_options or {},
        "split_config": getattr(samples, "config", {}),  # e.g. the synth size, so runs never mix sizes
        "min_depth": split_info.min_depth,
        "max_depth": split_info.max_depth,
        "crop": split_info.eval_crop,
    }
    with ResultsStore(results or os.environ.get("UDEBENCH_RESULTS") or DEFAULT_RESULTS_PATH) as store:
        return _evaluate_into(store, samples, depth_model, model_name=model_name, tag=tag, split=split,
                              split_info=split_info, options=options, n_total=n_total, device=device,
                              batch_size=batch_size, num_workers=num_workers, on_error=on_error, progress=progress)


def _evaluate_into(store: Any, samples: Sequence[dict[str, Any]], depth_model: Any, *, model_name: str,
                   tag: str | None, split: str, split_info: SplitSpec, options: dict[str, Any], n_total: int,
                   device: str | None, batch_size: int, num_workers: int | None, on_error: str,
                   progress: bool) -> dict[str, Any]:
    alignment, flip_pp, amp = options["alignment"], options["flip_pp"], options["amp"]
    run = store.open_run(model=model_name, tag=tag, split=split, options=options,
                         weights_sha256=getattr(depth_model, "weights_sha256", None), versions=_versions(),
                         n_expected=n_total)
    done = store.done_sample_ids(run.run_id, statuses=RESUME_KEEPS)
    pending = [i for i, sample_id in enumerate(_sample_ids(samples, n_total)) if sample_id not in done] if done \
        else list(range(n_total))
    status = "failed"
    try:
        if pending:
            from udebench.engine.evaluate import run_evaluation

            run_evaluation(
                depth_model, samples, pending, sink=lambda rows: store.add_samples(run.run_id, rows),
                alignment=alignment, min_depth=split_info.min_depth, max_depth=split_info.max_depth,
                crop=split_info.eval_crop, device=resolve_device(device), batch_size=batch_size,
                num_workers=num_workers, flip_pp=flip_pp, amp=amp, on_error=on_error,
                progress_total=n_total, progress_done=n_total - len(pending), progress=progress,
                description=f"{model_name}{f'[{tag}]' if tag else ''} on {split}",
            )
        status = "complete"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        store.finish_run(run.run_id, status)
    return store.summary(run.run_id)


def _sample_ids(samples: Sequence[dict[str, Any]], n: int) -> list[str]:
    """The first ``n`` ids, from ``samples.sample_ids`` when the split offers it (no file is read)."""
    ids = getattr(samples, "sample_ids", None)
    if ids is not None:
        return [str(sample_id) for sample_id in list(ids)[:n]]
    return [str(samples[i]["sample_id"]) for i in range(n)]
