"""Peak memory of ``udebench evaluate`` at N and 10·N frames: evaluation streams, so it must not grow (goal ≤ ×1.05).

Each point is a fresh process running ``udebench.evaluate`` (frames rendered into the synth cache
beforehand, a fresh results file). Reported: the peak resident set size of the main process
(``ru_maxrss``) and of the largest DataLoader worker, side by side for N and 10·N, with their ratio.

    OMP_NUM_THREADS=1 python benchmarks/bench_memory.py --models ude_student,ground_plane --frames 30
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="ude_student,ground_plane")
    parser.add_argument("--split", default="synth-night")
    parser.add_argument("--frames", type=int, default=30, help="N; the second point is 10·N")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--num-workers", type=int, default=None)
    parser.add_argument("--goal", type=float, default=1.05)
    parser.add_argument("--one-run", default=None, help=argparse.SUPPRESS)  # a child: "model:frames"
    args = parser.parse_args()
    if args.one_run:
        model, frames = args.one_run.split(":")
        print(json.dumps(one_run(model, int(frames), args)))
        return

    import udebench

    split = udebench.get_split(args.split)
    points = (args.frames, 10 * args.frames)
    for i in range(min(points[1], len(split))):
        split[i]  # render into the cache now
    print(f"peak RSS of udebench.evaluate on {args.split}, batch size {args.batch_size}, fresh process per point "
          f"(MiB; main process / largest DataLoader worker); goal: 10·N ≤ ×{args.goal} of N")
    for model in args.models.split(","):
        small, large = (_child(model, n) for n in points)
        ratio = large["main_mib"] / small["main_mib"]
        print(f"  {model:14s} N={points[0]:4d}: {small['main_mib']:7.1f} / {small['worker_mib']:6.1f}   "
              f"10·N={points[1]:5d}: {large['main_mib']:7.1f} / {large['worker_mib']:6.1f}   "
              f"main ×{ratio:.3f} ({'met' if ratio <= args.goal else 'NOT met'}), "
              f"worker ×{large['worker_mib'] / max(small['worker_mib'], 1e-9):.3f}")


def _child(model: str, frames: int) -> dict:
    out = subprocess.run([sys.executable, __file__, *sys.argv[1:], "--one-run", f"{model}:{frames}"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def one_run(model: str, frames: int, args: argparse.Namespace) -> dict:
    import resource

    import udebench

    folder = tempfile.mkdtemp(prefix="bench-memory-")
    try:
        udebench.evaluate(model, args.split, limit=frames, batch_size=args.batch_size, device="cpu",
                          num_workers=args.num_workers, results=os.path.join(folder, "r.sqlite"), progress=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    main_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    worker_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest reaped child
    return {"main_mib": main_kib / 1024, "worker_mib": worker_kib / 1024}


if __name__ == "__main__":
    main()
