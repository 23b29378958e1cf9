"""Build and run the mmengine evaluation Runner for one (model, split) pair."""

from __future__ import annotations

import logging
import shutil
import tempfile
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from udebench.engine.distributed import SINGLE, ProcessGroup
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
    sink: Callable[[list[dict[str, Any]]], None] | None,
    scoring: Scoring,
    options: EvalOptions,
    device: str = "cpu",
    group: ProcessGroup = SINGLE,
    progress_total: int | None = None,
    progress_done: int = 0,
    description: str = "evaluating",
) -> dict[str, float]:
    """Score ``split[indices]`` with an mmengine TestLoop; rows go to ``sink`` batch by batch.

    Images reach the network at the resolution ``scoring.protocol`` declares (``options.flip_pp`` comes
    resolved against the protocol's default by :func:`udebench.api.evaluate`). In a distributed run
    (``group``) every rank calls this with the same ``indices``; mmengine's ``DefaultSampler`` gives each
    rank every N-th one, and only rank 0 has a ``sink``.
    """
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
    sampler = None
    if group.distributed:
        from mmengine.dataset import DefaultSampler

        # rank r gets samples r, r + N, r + 2N, ...: each sample once (round_up would repeat some to even
        # the shares out; DepthMetric keeps ranks in step instead)
        sampler = DefaultSampler(dataset, shuffle=False, round_up=False)
    loader = DataLoader(
        dataset, batch_size=options.batch_size, shuffle=False, sampler=sampler, num_workers=workers,
        collate_fn=collate_samples, pin_memory=device.startswith("cuda"), persistent_workers=False,
        worker_init_fn=ignore_interrupts if workers else None,
    )
    progress_hook = RichProgressHook(
        total=progress_total if progress_total is not None else len(dataset), done=progress_done,
        description=description, enabled=options.progress and group.is_main,
    )
    metric = DepthMetric(scoring, sink=sink, on_error=options.on_error, group=group, on_stored=progress_hook.advance)
    work_dir = tempfile.mkdtemp(prefix="udebench-runner-")
    try:
        # launcher="none" even in a distributed run: the process group is already up
        # (udebench.engine.distributed), and inference needs no DistributedDataParallel wrapper
        runner = Runner(
            model=EvalModel(depth_model, device=device, flip_pp=bool(options.flip_pp), amp=options.amp,
                            on_error=options.on_error, batch_size=options.batch_size, network_input=network_input,
                            flip_pp_space=scoring.protocol.flip_pp_space),
            work_dir=work_dir,
            experiment_name=f"udebench-eval-{uuid.uuid4().hex[:12]}",
            test_dataloader=loader,
            test_evaluator=[metric],
            test_cfg=dict(type="TestLoop"),
            default_hooks=dict(logger=None, checkpoint=None, param_scheduler=None, timer=None, sampler_seed=None),
            custom_hooks=[progress_hook],
            visualizer=_quiet_visualizer(),
            env_cfg=dict(cudnn_benchmark=False),
            launcher="none",
            log_level="WARNING",
        )
        _quiet_mmengine()
        return runner.test()
    finally:
        progress_hook.close()
        shutil.rmtree(work_dir, ignore_errors=True)


def ignore_interrupts(worker_id: int) -> None:
    """DataLoader worker start-up: leave Ctrl-C to the main process.

    Ctrl-C reaches every process of the terminal's group. A worker that dies of it may be in the
    middle of handing a tensor's file descriptor to the main process, which then prints a traceback
    from ``multiprocessing/resource_sharer.py``. Ignoring SIGINT here lets the main process stop
    the loop and shut the workers down in order.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _quiet_visualizer() -> Any:
    """One mmengine Visualizer without a matplotlib figure, shared by every evaluation of this process.

    Left to itself the Runner builds a new Visualizer per run, and each draws a matplotlib figure:
    0.5 s of matplotlib import on the first run (4 % of a 300-frame ude_student evaluation on CPU)
    and a figure kept alive per run. Evaluation draws nothing.
    """
    from mmengine.visualization import Visualizer

    class FigureFreeVisualizer(Visualizer):
        def _initialize_fig(self, fig_cfg: dict) -> tuple:
            return None, _NoFigure(), None

    global _VISUALIZER
    if _VISUALIZER is None:
        _VISUALIZER = FigureFreeVisualizer.get_instance("udebench-evaluation")
    return _VISUALIZER


_VISUALIZER: Any = None


class _NoFigure:
    """What mmengine's Visualizer asks of its figure when it is built."""

    def get_dpi(self) -> float:
        return 100.0


def _quiet_mmengine() -> None:
    """mmengine logs environment banners at INFO; users want the progress bar and the table."""
    from mmengine.logging import MMLogger

    logger = MMLogger.get_current_instance()
    logger.setLevel(logging.WARNING)
    for handler in logger.handlers:
        handler.setLevel(logging.WARNING)
