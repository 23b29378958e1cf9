"""Time udebench's metric step against Monodepth2's per-image numpy evaluation loop, side by side.

Same random data for both: a batch of 900x1600 ground-truth maps (nuScenes CAM_FRONT) with 5 % valid
pixels (LiDAR) and a network-resolution disparity (320x576, md4all's input size). The reference is
Monodepth2's ``evaluate_depth.py::evaluate`` loop re-typed: per image ``cv2.resize`` of the disparity to the
GT size, ``1 / disp``, the caps mask, boolean indexing, ``np.median`` scaling (or none, as
``--disable_median_scaling``), clamping, ``compute_errors``. udebench's metric step is ``score_batch`` on the
same data under the same conventions (Monodepth2's protocol: bilinear upsampling of the disparity,
``align_corners=False``, numpy median), with the ground truth as points (as the evaluation engine passes
LiDAR) and, for comparison, as the dense map. Making the points from a dense map is the data loader's job
(in its workers, once per sample); it is timed on its own line. Each side runs once to warm up, then
``--repeats`` timed runs; the best is reported. The numbers of both sides are compared.

    python benchmarks/bench_metrics.py [--batch 8] [--valid 0.05] [--threads 1] [--repeats 5]
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np
import torch

from udebench.evaluation.metrics import BUILTIN_METRICS
from udebench.evaluation.points import DepthPoints, sparse_points
from udebench.evaluation.protocol import score_batch

MONODEPTH2_METRICS = ("abs_rel", "sq_rel", "rmse", "rmse_log", "a1", "a2", "a3")
MIN_DEPTH, MAX_DEPTH = 1e-3, 80.0


def compute_errors(gt: np.ndarray, pred: np.ndarray) -> tuple[float, ...]:
    """Monodepth2's evaluate_depth.compute_errors, re-typed: the metrics of one image's valid pixels."""
    thresh = np.maximum(gt / pred, pred / gt)
    a1 = (thresh < 1.25).mean()
    a2 = (thresh < 1.25**2).mean()
    a3 = (thresh < 1.25**3).mean()
    rmse = np.sqrt(((gt - pred) ** 2).mean())
    rmse_log = np.sqrt(((np.log(gt) - np.log(pred)) ** 2).mean())
    abs_rel = np.mean(np.abs(gt - pred) / gt)
    sq_rel = np.mean(((gt - pred) ** 2) / gt)
    return abs_rel, sq_rel, rmse, rmse_log, a1, a2, a3


def monodepth2_loop(pred_disp: np.ndarray, gt: np.ndarray, median_scaling: bool) -> np.ndarray:
    """Monodepth2's per-image loop (evaluate_depth.py::evaluate, no crop) -> ``[B, 7]``."""
    errors = []
    for i in range(gt.shape[0]):
        gt_depth = gt[i]
        gt_height, gt_width = gt_depth.shape
        pred_depth = 1 / cv2.resize(pred_disp[i], (gt_width, gt_height))
        mask = np.logical_and(gt_depth > MIN_DEPTH, gt_depth < MAX_DEPTH)
        pred_depth = pred_depth[mask]
        gt_depth = gt_depth[mask]
        if median_scaling:
            pred_depth *= np.median(gt_depth) / np.median(pred_depth)
        pred_depth[pred_depth < MIN_DEPTH] = MIN_DEPTH
        pred_depth[pred_depth > MAX_DEPTH] = MAX_DEPTH
        errors.append(compute_errors(gt_depth, pred_depth))
    return np.array(errors)


def udebench_step(pred_depth: torch.Tensor, gt, alignment: str, names=MONODEPTH2_METRICS) -> list[dict]:
    """score_batch under Monodepth2's protocol: disparity-space bilinear upsampling, numpy median."""
    metrics = {name: BUILTIN_METRICS[name][0] for name in names}
    return score_batch(pred_depth, gt, alignment=alignment, min_depth=MIN_DEPTH, max_depth=MAX_DEPTH,
                       metrics=metrics, upsample_space="disparity", align_corners=False, median="numpy")


def best_times(fns: list, repeats: int) -> list[tuple[float, object]]:
    """Best time and result of each function; the runs are interleaved, so a busy machine slows all alike."""
    results = [fn() for fn in fns]  # warm-up
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            results[i] = fn()
            times[i].append(time.perf_counter() - start)
    return [(min(t), result) for t, result in zip(times, results, strict=True)]


def as_array(rows: list[dict]) -> np.ndarray:
    return np.array([[row[name] for name in MONODEPTH2_METRICS] for row in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--pred-height", type=int, default=320)
    parser.add_argument("--pred-width", type=int, default=576)
    parser.add_argument("--valid", type=float, default=0.05, help="fraction of pixels with valid GT")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per side after one warm-up")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cv2.setNumThreads(0)  # as Monodepth2's evaluate_depth.py

    rng = np.random.default_rng(args.seed)
    shape = (args.batch, args.height, args.width)
    gt = rng.uniform(1.0, 80.0, size=shape).astype(np.float32)
    gt[rng.random(shape) >= args.valid] = 0.0
    pred_disp = (1.0 / rng.uniform(1.0, 80.0, size=(args.batch, args.pred_height, args.pred_width))).astype(np.float32)
    pred_depth = torch.from_numpy(1.0 / pred_disp)
    dense = torch.from_numpy(gt)
    ((t_points_made, per_image),) = best_times([lambda: [sparse_points(depth) for depth in gt]], args.repeats)
    points = DepthPoints.stack(per_image, (args.height, args.width))

    print(f"{args.batch} GT maps {args.height}x{args.width}, {args.valid:.0%} valid ({points.depth.numel()} "
          f"points), prediction {args.pred_height}x{args.pred_width}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, best of {args.repeats} interleaved runs")
    for alignment, scaling in (("median", True), ("none", False)):
        (t_ref, reference), (t_points, rows), (t_dense, dense_rows) = best_times([
            lambda: monodepth2_loop(pred_disp, gt, scaling),  # noqa: B023
            lambda: udebench_step(pred_depth, points, alignment),  # noqa: B023
            lambda: udebench_step(pred_depth, dense, alignment),  # noqa: B023
        ], args.repeats)
        print("median scaling:" if scaling else "no scaling (metric depth):")
        print(f"  Monodepth2 per-image numpy loop (7 metrics):  {t_ref * 1e3:8.1f} ms")
        for what, t, ours in (("points", t_points, rows), ("dense map", t_dense, dense_rows)):
            diff = np.abs(as_array(ours) - reference) / np.maximum(np.abs(reference), 1e-12)
            print(f"  udebench metric step, GT as {what + ':':<11}  {t * 1e3:8.1f} ms  (x{t_ref / t:.2f})  "
                  f"max rel diff {diff.max():.1e}")
    ((t_all, _),) = best_times([lambda: udebench_step(pred_depth, points, "median", names=tuple(BUILTIN_METRICS))],
                               args.repeats)
    print(f"udebench metric step, GT as points, median, all {len(BUILTIN_METRICS)} metrics: {t_all * 1e3:.1f} ms")
    print(f"making the points from dense maps (data loader workers, once per sample): {t_points_made * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
