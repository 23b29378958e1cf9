"""Build and run the mmengine evaluation Runner for one (model, split) pair."""

from __future__ import annotations

import logging
import shutil
import tempfile
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from udebench.model import DepthModel


def default_num_workers(n_samples: int) -> int:
    import os

    return 0 if n_samples < 16 else min(4, os.cpu_count() or 1)


def run_evaluation(
    depth_model: DepthModel,
    split: Sequence[dict[str, Any]],
    indices: Sequence[int],
    *,
    sink: Callable[[list[dict[str, Any]]], None],
    alignment: str,
    min_depth: float,
    max_depth: float,
    crop: str | None = None,
    device: str = "cpu",
    batch_size: int = 4,
    num_workers: int | None = None,
    flip_pp: bool = False,
    amp: bool = False,
    on_error: str = "raise",
    progress_total: int | None = None,
    progress_done: int = 0,
    progress: bool = True,
    description: str = "evaluating",
) -> dict[str, float]:
    """Score ``split[indices]`` with an mmengine TestLoop; rows go to ``sink`` batch by batch."""
    import torch
    from mmengine.runner import Runner
    from torch.utils.data import DataLoader

    from udebench.engine.dataset import SplitDataset, collate_samples
    from udebench.engine.hooks import RichProgressHook
    from udebench.engine.model import EvalModel
    from udebench.evaluation.depth_metric import DepthMetric

    dataset = SplitDataset(split, indices)
    workers = default_num_workers(len(dataset)) if num_workers is None else num_workers
    loader = DataLoader(
        dataset, batch_size=batch_size, shuffle=False, num_workers=workers, collate_fn=collate_samples,
        pin_memory=device.startswith("cuda"), persistent_workers=False,
    )
    metric = DepthMetric(alignment=alignment, min_depth=min_depth, max_depth=max_depth, crop=crop, sink=sink)
    progress_hook = RichProgressHook(
        total=progress_total if progress_total is not None else len(dataset), done=progress_done,
        description=description, enabled=progress,
    )
    work_dir = tempfile.mkdtemp(prefix="udebench-runner-")
    try:
        runner = Runner(
            model=EvalModel(depth_model, device=device, flip_pp=flip_pp, amp=amp, on_error=on_error),
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
