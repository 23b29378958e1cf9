"""Time udebench's batched ``depth_metrics`` against a Monodepth2-style per-image numpy loop.

Same random data for both: a batch of 900x1600 images (nuScenes CAM_FRONT size) with 5% valid GT
(sparse LiDAR). Each side runs once to warm up, then ``--repeats`` timed runs; the best is reported.
The numpy loop computes only Monodepth2's seven metrics, so ours is timed both with all metrics and
with those seven. The numbers of both sides are compared (max abs difference).

    python benchmarks/bench_metrics.py [--batch 8] [--height 900] [--width 1600] [--valid 0.05] [--device cuda]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from udebench.evaluation.metrics import BUILTIN_METRICS, depth_metrics

MONODEPTH2_METRICS = ("abs_rel", "sq_rel", "rmse", "rmse_log", "a1", "a2", "a3")


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


def numpy_loop(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per image: ``gt[mask]``, ``pred[mask]``, compute_errors -> ``[B, 7]`` in MONODEPTH2_METRICS order."""
    return np.array([compute_errors(gt[i][valid[i]], pred[i][valid[i]]) for i in range(gt.shape[0])])


def best_time(fn, repeats: int, device: str = "cpu") -> tuple[float, object]:
    def sync() -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    result = fn()  # warm-up
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        sync()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--valid", type=float, default=0.05, help="fraction of pixels with valid GT")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per side after one warm-up")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="where depth_metrics runs (the numpy loop is CPU)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    rng = np.random.default_rng(args.seed)
    shape = (args.batch, args.height, args.width)
    gt = rng.uniform(1.0, 80.0, size=shape).astype(np.float32)
    pred = (gt * np.exp(rng.normal(0.05, 0.2, size=shape))).astype(np.float32)
    valid = rng.random(shape) < args.valid
    pred_t, gt_t, valid_t = (torch.from_numpy(a).to(args.device) for a in (pred, gt, valid))

    t_numpy, reference = best_time(lambda: numpy_loop(pred, gt, valid), args.repeats)
    t_all, ours_all = best_time(lambda: depth_metrics(pred_t, gt_t, valid_t), args.repeats, args.device)
    t_seven, ours_seven = best_time(
        lambda: depth_metrics(pred_t, gt_t, valid_t, names=MONODEPTH2_METRICS), args.repeats, args.device
    )

    ours = np.stack([ours_seven[name].double().cpu().numpy() for name in MONODEPTH2_METRICS], axis=1)
    ours_from_all = np.stack([ours_all[name].double().cpu().numpy() for name in MONODEPTH2_METRICS], axis=1)
    diff = float(np.abs(ours - reference).max())
    diff_all = float(np.abs(ours_from_all - reference).max())

    print(
        f"{args.batch} images {args.height}x{args.width}, {args.valid:.0%} valid "
        f"({int(valid.sum())} pixels), torch {torch.__version__} on {args.device}, "
        f"{torch.get_num_threads()} threads, best of {args.repeats}"
    )
    print(f"numpy per-image loop (Monodepth2, {len(MONODEPTH2_METRICS)} metrics): {t_numpy * 1e3:8.1f} ms")
    print(
        f"depth_metrics, same {len(MONODEPTH2_METRICS)} metrics:           {t_seven * 1e3:8.1f} ms  "
        f"(x{t_numpy / t_seven:.2f} vs numpy)"
    )
    print(
        f"depth_metrics, all {len(BUILTIN_METRICS)} metrics:            {t_all * 1e3:8.1f} ms  "
        f"(x{t_numpy / t_all:.2f} vs numpy)"
    )
    print(f"max abs diff vs numpy: {diff:.2e} (7 metrics run), {diff_all:.2e} (all-metrics run)")


if __name__ == "__main__":
    main()
