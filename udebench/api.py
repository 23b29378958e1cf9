"""The public Python API; the CLI is a thin layer over these functions."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from udebench.devices import resolve_device
from udebench.errors import UdebenchError, UdebenchWarning
from udebench.evaluation.protocol_spec import Protocol, jsonable
from udebench.evaluation.statuses import RESUME_KEEPS
from udebench.options import EvalOptions
from udebench.plugins import lookup, provider_of_name, split_spec
from udebench.results.summary import RunSummary, run_label
from udebench.samples import first_sample_ids
from udebench.specs import MetricSpec, ModelSpec, SplitSpec

__all__ = ["EvalOptions", "build_translator", "evaluate", "get_split", "load_model", "resolve_device",
           "resolve_metrics", "split_protocol"]


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
    except TypeError as exc:  # an option the split does not take
        if "option" in str(exc) or "argument" in str(exc):
            raise UdebenchError(f"split {name}: {exc}") from exc
        raise


def load_model(name: str, weights: str | None = None, device: str | None = None):
    """Build model ``name`` from its plugin factory, with ``weights`` if given, on ``device``.

    A weights file the factory cannot read (truncated, another architecture, not a checkpoint) is a
    one-line error naming the file.
    """
    spec: ModelSpec = lookup("models", name)
    if weights is not None and not spec.accepts_weights:
        raise UdebenchError(f"--weights {weights}: model {name!r} takes no weights")
    if weights is None and spec.weights_env:
        weights = os.environ.get(spec.weights_env) or None
    if weights is not None and not Path(weights).exists():
        raise UdebenchError(f"--weights {weights}: no such file or folder (model {name!r})")
    device = resolve_device(device)
    if weights is None:
        model = spec.factory(weights=None, device=device)
    else:
        try:
            model = spec.factory(weights=weights, device=device)
        except UdebenchError:
            raise
        except Exception as exc:  # safetensors' SafetensorError, torch's UnpicklingError, a KeyError in a state dict
            raise UdebenchError(f"--weights {weights}: model {name!r} could not load it "
                                f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'})"
                                ) from exc
    loaded = weights or getattr(model, "weights_path", None)  # a plugin's shipped default names its file
    if loaded is not None and getattr(model, "weights_sha256", None) is None:
        from udebench.weights import sha256_of

        model.weights_sha256 = sha256_of(loaded)
    if getattr(model, "weights_origin", None) is None:
        from udebench.weights import weights_origin

        model.weights_origin = weights_origin(loaded)
    return model.to(device)


def build_translator(name: str, seed: int = 0, **options: Any):
    """The registered translator ``name`` (with ``options``), offering the whole translator contract."""
    from udebench.translate.contract import as_translator

    spec = lookup("translators", name)
    try:
        translator = spec.factory(seed=seed, **options)
    except TypeError as exc:
        raise UdebenchError(f"translator {name}: {exc}") from exc
    except ValueError as exc:  # an unknown or out-of-range option
        raise UdebenchError(f"translator {name}: {exc}") from exc
    return as_translator(translator, name=name, conditions=spec.conditions, seed=seed)


def resolve_metrics(names: Sequence[str] | None = None) -> dict[str, MetricSpec]:
    """The registered metrics called ``names`` (every registered one for None), in registration order."""
    from udebench.plugins import registry

    table = registry()["metrics"]
    if names is None:
        return {name: entry.spec for name, entry in table.items()}
    return {name: lookup("metrics", name) for name in dict.fromkeys(names)}


def _versions(weights_origin: str | None = None) -> dict[str, str]:
    """Package versions, and where the weights came from when their card says (``weights_origin``)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"weights_origin": weights_origin} if weights_origin else {}
    for package in ("udebench", "torch", "mmengine", "numpy"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def _providers(model_name: str, split: str) -> dict[str, str]:
    """Which distribution registered the model (and the translator of a translated split)."""
    providers = {"model": provider_of_name("models", model_name)}
    if "@" in split:
        from udebench.plugins import registry
        from udebench.translate.split import parse_translated_name

        try:
            _, translator, _ = parse_translated_name(split, registry()["translators"])
            providers["translator"] = provider_of_name("translators", translator)
        except UdebenchError:
            pass
    return {k: v for k, v in providers.items() if v}


def evaluate(model: Any, split: str, options: EvalOptions | None = None, **kwargs: Any) -> RunSummary:
    """Evaluate ``model`` (a registered name or a DepthModel) on ``split``; resumable; returns the run summary.

    Options come as an :class:`EvalOptions` or as its fields by keyword. The run's identity is
    (model, tag, split, what changes the numbers, weights sha256): calling this again with the same
    arguments skips the samples already stored, and the summary equals that of an uninterrupted run.
    With ``launcher="pytorch"`` (under torchrun) or ``"slurm"`` every process calls this; each
    evaluates a share of the samples, rank 0 stores them all, and every rank returns the same summary.
    """
    from udebench.engine.distributed import process_group

    if kwargs:
        if "metrics" in kwargs and kwargs["metrics"] is not None:
            kwargs["metrics"] = tuple(kwargs["metrics"])
        if "protocol_overrides" in kwargs:
            kwargs["protocol_overrides"] = dict(kwargs["protocol_overrides"] or {})
        try:
            options = replace(options or EvalOptions(), **kwargs)
        except TypeError as exc:
            raise TypeError(f"evaluate(): {exc}") from None
    options = (options or EvalOptions()).check()
    with process_group(options.launcher, options.device) as group:
        return _evaluate(model, split, options, group)


def _evaluate(model: Any, split: str, options: EvalOptions, group: Any) -> RunSummary:
    """:func:`evaluate` in one process of the run (the only one, or one rank of several)."""
    from udebench.evaluation.scoring import Scoring
    from udebench.results.store import ResultsStore, default_results_path

    split_info: SplitSpec = split_spec(split)
    protocol = split_protocol(split_info, options.protocol_overrides)  # a bad override fails before any loading
    if options.flip_pp is None:
        options = replace(options, flip_pp=protocol.flip_pp)
    model_name = model if isinstance(model, str) else model.spec.name
    metrics = resolve_metrics(options.metrics)
    samples = get_split(split, data_root=options.data_root, **dict(options.split_options))
    if isinstance(model, str):
        lookup("models", model)  # an unknown name fails after the split's data is found, before weights are read
    n_total = len(samples) if options.limit is None else min(options.limit, len(samples))
    device = group.device(resolve_device(options.device))
    depth_model = load_model(model, weights=options.weights, device=device) if isinstance(model, str) else model
    scoring = Scoring(alignment=options.align or depth_model.spec.default_alignment, protocol=protocol,
                      metrics={name: spec.fn for name, spec in metrics.items()})
    identity = run_identity(options, scoring, samples, providers=_providers(model_name, split))
    opened: list[ResultsStore] = []  # rank 0's store, once plan() has opened it

    def plan() -> tuple[int, str, list[int]]:
        """Rank 0: open the store and the run (or resume it); which samples are still to do."""
        opened.append(store := ResultsStore(options.results or default_results_path()))
        run = store.open_run(model=model_name, tag=options.tag, split=split, options=identity,
                             weights_sha256=getattr(depth_model, "weights_sha256", None),
                             versions=_versions(getattr(depth_model, "weights_origin", None)),
                             n_expected=n_total)
        if store.read_only:  # open_run only gives back a complete run here: show it, write nothing
            return run.run_id, run.status, []
        done = store.done_sample_ids(run.run_id, statuses=RESUME_KEEPS)
        ids = first_sample_ids(samples, n_total) if done else []
        pending = [i for i, sample_id in enumerate(ids) if sample_id not in done] if done else list(range(n_total))
        return run.run_id, run.status, pending

    try:
        run_id, opened_as, pending = group.from_main(plan)
        store = opened[0] if opened else None
        if store is not None and store.read_only:
            warnings.warn(UdebenchWarning(f"results store {store.path} is read-only: showing the complete run "
                                          "stored there; nothing was evaluated or written"), stacklevel=2)
        status = "failed"
        try:
            if pending:
                from udebench.engine.evaluate import run_evaluation

                run_evaluation(depth_model, samples, pending,
                               sink=(lambda rows: store.add_samples(run_id, rows)) if store is not None else None,
                               scoring=scoring, options=options, device=device, progress_total=n_total,
                               progress_done=n_total - len(pending), group=group,
                               description=f"{run_label(model_name, options.tag, options.protocol_overrides)} "
                                           f"on {split}")
            status = "complete"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            if store is not None and not (opened_as == "complete" and not pending):
                store.finish_run(run_id, status)
        return group.from_main(lambda: store.summary(run_id))
    finally:
        for store in opened:
            store.close()


def run_identity(options: EvalOptions, scoring: Any, samples: Any, *, providers: dict[str, str]) -> dict[str, Any]:
    """What changes a run's numbers, stored as its options: equal identities resume each other."""
    return {
        "alignment": scoring.alignment,
        "flip_pp": options.flip_pp,
        "amp": options.amp,
        # the forward pass always sees batch_size images (the last batch is padded), so a sample's
        # numbers depend on the batch size but never on which samples share its batch
        "batch_size": options.batch_size,
        "limit": options.limit,
        "metrics": sorted(scoring.metrics),
        "split_options": dict(options.split_options),
        "split_config": getattr(samples, "config", {}),  # e.g. the synth size, so runs never mix sizes
        "protocol": scoring.protocol.as_dict(),
        "protocol_overrides": {key: jsonable(value) for key, value in options.protocol_overrides.items()},
        "providers": providers,
    }


def split_protocol(spec: SplitSpec, overrides: Mapping[str, Any] | None = None) -> Protocol:
    """The protocol ``spec`` declares, with ``overrides`` (typed values) applied; a bad one is a one-line error."""
    if not overrides:
        return spec.protocol
    try:
        return spec.protocol.with_overrides(dict(overrides))
    except ValueError as exc:
        raise UdebenchError(f"--protocol-override on split {spec.name}: {exc}") from None

