"""Build and run the mmengine evaluation Runner for one (model, split) pair."""

from __future__ import annotations

import logging
import shutil
import tempfile
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from udebench.evaluation.scoring import Scoring
from udebench.model import DepthModel
from udebench.options import EvalOptions


def default_num_workers(n_samples: int) -> int:
    import os

    return 0 if n_samples < 16 else min(4, os.cpu_count() or 1)


def run_evaluation(
    depth_model: DepthModel,
    split: Sequence[dict[str, Any]],
    indices: Sequence[int],
    *,
    sink: Callable[[list[dict[str, Any]]], None],
    scoring: Scoring,
    options: EvalOptions,
    device: str = "cpu",
    progress_total: int | None = None,
    progress_done: int = 0,
    description: str = "evaluating",
) -> dict[str, float]:
    """Score ``split[indices]`` with an mmengine TestLoop; rows go to ``sink`` batch by batch.

    Images reach the network at the resolution ``scoring.protocol`` declares (``options.flip_pp`` comes
    resolved against the protocol's default by :func:`udebench.api.evaluate`).
    """
    import torch
    from mmengine.runner import Runner
    from torch.utils.data import DataLoader

    from udebench.engine.dataset import SplitDataset, collate_samples
    from udebench.engine.depth_metric import DepthMetric
    from udebench.engine.hooks import RichProgressHook
    from udebench.engine.model import EvalModel
    from udebench.engine.network_input import NetworkInput

    network_input = NetworkInput.of(scoring.protocol, depth_model.spec)
    dataset = SplitDataset(split, indices, network_input)
    workers = default_num_workers(len(dataset)) if options.num_workers is None else options.num_workers
    loader = DataLoader(
        dataset, batch_size=options.batch_size, shuffle=False, num_workers=workers, collate_fn=collate_samples,
        pin_memory=device.startswith("cuda"), persistent_workers=False,
    )
    metric = DepthMetric(scoring, sink=sink)
    progress_hook = RichProgressHook(
        total=progress_total if progress_total is not None else len(dataset), done=progress_done,
        description=description, enabled=options.progress,
    )
    work_dir = tempfile.mkdtemp(prefix="udebench-runner-")
    try:
        runner = Runner(
            model=EvalModel(depth_model, device=device, flip_pp=bool(options.flip_pp), amp=options.amp,
                            on_error=options.on_error, network_input=network_input,
                            flip_pp_space=scoring.protocol.flip_pp_space),
            work_dir=work_dir,
            experiment_name=f"udebench-eval-{uuid.uuid4().hex[:12]}",
            test_dataloader=loader,
            test_evaluator=[metric],
            test_cfg=dict(type="TestLoop"),
            default_hooks=dict(logger=None, checkpoint=None, param_scheduler=None, timer=None, sampler_seed=None),
            custom_hooks=[progress_hook],
            env_cfg=dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl" if torch.cuda.is_available() else "gloo")),
            log_level="WARNING",
        )
        _quiet_mmengine()
        return runner.test()
    finally:
        progress_hook.close()
        shutil.rmtree(work_dir, ignore_errors=True)


def _quiet_mmengine() -> None:
    """mmengine logs environment banners at INFO; users want the progress bar and the table."""
    from mmengine.logging import MMLogger

    logger = MMLogger.get_current_instance()
    logger.setLevel(logging.WARNING)
    for handler in logger.handlers:
        handler.setLevel(logging.WARNING)
