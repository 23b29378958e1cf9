"""Frames per second of the synth renderer, per condition and overall, single process, no cache.

Each condition renders the same ``--frames`` test scenes from scratch (scene sampling, ray
casting, texturing, lighting, weather, encoding), as ``SynthSplit`` does on a cache miss.

    python benchmarks/bench_synth.py --frames 100 --height 192 --width 640
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100, help="frames per condition")
    parser.add_argument("--height", type=int, default=192)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--conditions", default=None, help="comma-separated subset (default: all)")
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


def _report(name: str, frames: int, wall: float, cpu: float) -> None:
    print(
        f"  {name:6s} {frames / wall:7.1f} frames/s ({1000 * wall / frames:5.1f} ms/frame)"
        f"   {frames / cpu:7.1f} frames per CPU-second"
    )


if __name__ == "__main__":
    main()
