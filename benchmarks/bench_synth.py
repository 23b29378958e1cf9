"""Frames per second of the synth renderer, per condition and overall, no cache.

Each condition renders the same ``--frames`` test scenes from scratch (scene sampling, ray
casting, texturing, lighting, weather, encoding), as ``SynthSplit`` does on a cache miss.
First in one process; then, with ``--workers N`` (default: the machine's cores), the same
frames split over N processes, as a DataLoader with N workers renders them.

    python benchmarks/bench_synth.py --frames 100 --height 192 --width 640 --workers 2
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100, help="frames per condition")
    parser.add_argument("--height", type=int, default=192)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--conditions", default=None, help="comma-separated subset (default: all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes for the parallel run")
    args = parser.parse_args()

    from udebench.data.synth import camera
    from udebench.data.synth.conditions import CONDITIONS
    from udebench.data.synth.render import render
    from udebench.data.synth.splits import seed_for_test
    from udebench.data.synth.world import camera_start, sample_scene

    conditions = args.conditions.split(",") if args.conditions else list(CONDITIONS)
    render(
        sample_scene(seed_for_test(0)), camera.camera_pose(0, -1.5, 0, 0), "night", args.height, args.width
    )  # warm up
    total_frames, total_time, total_cpu = 0, 0.0, 0.0
    print(f"synth renderer, {args.height}x{args.width}, {args.frames} frames per condition")
    print("  (frames per CPU-second counts only this process's CPU time; close to frames/s unless the CPU is shared)")
    for condition in conditions:
        start, start_cpu = time.perf_counter(), time.process_time()
        for i in range(args.frames):
            scene = sample_scene(seed_for_test(i))
            render(scene, camera.camera_pose(*camera_start(scene)), condition, args.height, args.width)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        total_frames += args.frames
        total_time += elapsed
        total_cpu += cpu
        _report(condition, args.frames, elapsed, cpu)
    _report("all", total_frames, total_time, total_cpu)
    if args.workers > 1:
        jobs = [(c, i, args.height, args.width) for c in conditions for i in range(args.frames)]
        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            pool.map(_render_one, jobs[: args.workers])  # warm up every worker
            start = time.perf_counter()
            pool.map(_render_one, jobs, chunksize=4)
            elapsed = time.perf_counter() - start
        print(f"  all, {args.workers} processes: {len(jobs) / elapsed:7.1f} frames/s (what a {args.workers}-worker "
              "DataLoader gets on a cache miss)")


def _render_one(job: tuple[str, int, int, int]) -> None:
    from udebench.data.synth import camera
    from udebench.data.synth.render import render
    from udebench.data.synth.splits import seed_for_test
    from udebench.data.synth.world import camera_start, sample_scene

    condition, i, height, width = job
    scene = sample_scene(seed_for_test(i))
    render(scene, camera.camera_pose(*camera_start(scene)), condition, height, width)


def _report(name: str, frames: int, wall: float, cpu: float) -> None:
    print(
        f"  {name:6s} {frames / wall:7.1f} frames/s ({1000 * wall / frames:5.1f} ms/frame)"
        f"   {frames / cpu:7.1f} frames per CPU-second"
    )


if __name__ == "__main__":
    main()
