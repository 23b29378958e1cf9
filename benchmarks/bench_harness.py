"""Harness overhead of ``udebench evaluate``: its wall time against the bare model on the same frames.

overhead = (wall of evaluate − wall of bare ``predict``) / wall of evaluate; goal ≤ 10 % on CPU.

Each repeat is a fresh process, as a CLI run is. It builds the model and times a bare loop of
``model.predict`` over the frames, already decoded in memory as float batches of the same batch size;
then it times the whole ``udebench.evaluate`` call, as ``udebench evaluate`` makes it once the command
has started: build the model again (read and hash the weights), import and build mmengine's Runner,
start the DataLoader workers, read and decode the frames, predict, score, store, progress bar, summary.
Imports both sides need (torch, the model's code) are paid before either is timed; the frames are
rendered into the synth cache beforehand. Medians over ``--repeats``; the interpreter's start-up is
timed apart.

    OMP_NUM_THREADS=1 python benchmarks/bench_harness.py --model ude_student --frames 300 --batch-size 4
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ude_student")
    parser.add_argument("--weights", default=None, help="weights for the model [default: its own]")
    parser.add_argument("--split", default="synth-night")
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--amp", action="store_true")
    parser.add_argument("--num-workers", type=int, default=None, help="DataLoader workers [default: udebench's]")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--goal", type=float, default=10.0, help="overhead goal in percent")
    parser.add_argument("--json", dest="json_out", default=None, help="also write the figures to this file")
    parser.add_argument("--one-run", action="store_true", help=argparse.SUPPRESS)  # a child: one repeat
    args = parser.parse_args()
    if args.one_run:
        print(json.dumps(one_run(args)))
        return

    import udebench

    split = udebench.get_split(args.split)
    n = min(args.frames, len(split))
    for i in range(n):  # render into the synth cache now, so every timed run reads it warm
        split[i]
    runs = []
    for _ in range(args.repeats):
        child = subprocess.run([sys.executable, __file__, *sys.argv[1:], "--one-run"], check=True,
                               capture_output=True, text=True)
        runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
    bare = statistics.median(r["bare_s"] for r in runs)
    wall = statistics.median(r["evaluate_s"] for r in runs)
    overhead = statistics.median(r["overhead_pct"] for r in runs)
    startup = _startup()
    info = runs[0]
    print(f"{args.model} on {n} {args.split} frames {info['size']}, batch size {args.batch_size}, device "
          f"{args.device}{' (amp)' if args.amp else ''}, torch threads {info['threads']}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}, {args.repeats} fresh processes")
    print(f"  bare predict      {bare:7.2f} s  ({1000 * bare / n:6.1f} ms/frame)  runs: {_fmt(runs, 'bare_s')}")
    print(f"  udebench.evaluate {wall:7.2f} s  ({1000 * wall / n:6.1f} ms/frame)  runs: {_fmt(runs, 'evaluate_s')}")
    verdict = "met" if overhead <= args.goal else "NOT met"
    print(f"  harness overhead  {overhead:6.1f} %  (median of the runs' overheads; goal ≤ {args.goal:g} %: {verdict})")
    fastest = min(r["evaluate_s"] for r in runs)
    fastest_overhead = 100.0 * (fastest - min(r["bare_s"] for r in runs)) / fastest
    print(f"  fastest runs      {fastest_overhead:6.1f} %  (fastest evaluate vs fastest bare: the least disturbed "
          "on a shared machine)")
    cpu_overhead = statistics.median(r["cpu_overhead_pct"] for r in runs)
    print(f"  same in CPU time of the main process (robust to a busy machine): bare "
          f"{statistics.median(r['bare_cpu_s'] for r in runs):.2f} s, evaluate "
          f"{statistics.median(r['evaluate_cpu_s'] for r in runs):.2f} s, overhead {cpu_overhead:.1f} %; "
          f"DataLoader workers {statistics.median(r['workers_cpu_s'] for r in runs):.2f} CPU-s alongside")
    print(f"  throughput        {n / wall:7.1f} frames/s through evaluate, {n / bare:.1f} bare")
    print(f"  interpreter start-up and `import udebench.cli`: {startup:.2f} s, once per command, not counted above")
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump({"model": args.model, "weights": args.weights, "frames": n, "batch_size": args.batch_size,
                       "device": args.device, "amp": args.amp, "bare_s": bare, "evaluate_s": wall,
                       "overhead_pct": overhead, "fastest_overhead_pct": fastest_overhead,
                       "cpu_overhead_pct": cpu_overhead, "startup_s": startup, "runs": runs},
                      fh, indent=2)


def one_run(args: argparse.Namespace) -> dict:
    import torch

    import udebench

    split = udebench.get_split(args.split)
    n = min(args.frames, len(split))
    frames = [split[i]["image"] for i in range(n)]
    batches = [torch.stack([torch.from_numpy(image).permute(2, 0, 1) for image in frames[i: i + args.batch_size]])
               .float().div_(255).to(args.device) for i in range(0, n, args.batch_size)]
    model = udebench.load_model(args.model, weights=args.weights, device=args.device)
    autocast = torch.autocast(torch.device(args.device).type) if args.amp else torch.autocast("cpu", enabled=False)
    _sync(args.device)
    start, start_cpu = time.perf_counter(), time.process_time()
    with autocast:
        for batch in batches:
            model.predict(batch)
    _sync(args.device)
    bare, bare_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    del model, batches

    folder = tempfile.mkdtemp(prefix="bench-harness-")
    try:
        workers_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start, start_cpu = time.perf_counter(), time.process_time()
        udebench.evaluate(args.model, args.split, limit=n, batch_size=args.batch_size, device=args.device,
                          amp=args.amp, num_workers=args.num_workers, weights=args.weights,
                          results=os.path.join(folder, "r.sqlite"))
        _sync(args.device)
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        workers_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    workers_cpu = sum(getattr(workers_after, f) - getattr(workers_before, f) for f in ("ru_utime", "ru_stime"))
    return {"bare_s": bare, "evaluate_s": wall, "overhead_pct": 100.0 * (wall - bare) / wall,
            "bare_cpu_s": bare_cpu, "evaluate_cpu_s": cpu, "workers_cpu_s": workers_cpu,
            "cpu_overhead_pct": 100.0 * (cpu - bare_cpu) / cpu,
            "threads": torch.get_num_threads(), "size": list(frames[0].shape[:2])}


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _startup() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import udebench.cli"], check=True)
    return time.perf_counter() - start


def _fmt(runs: list[dict], key: str) -> str:
    return ", ".join(f"{r[key]:.2f}" for r in runs)


if __name__ == "__main__":
    main()
