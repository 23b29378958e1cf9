"""Wall time of `udebench list splits` with whatever plugins are installed (goal ≤ 0.5 s).

Listing must not import torch, numpy or any model library: plugins register names and factories,
and factories import what they need when called. Besides the median wall time of the real command,
this prints the installed plugin distributions (entry-point group ``udebench``) and any heavy module
that listing imported, so a plugin that registers eagerly is named.

    python benchmarks/bench_startup.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time

HEAVY = ("torch", "numpy", "mmengine", "transformers", "diffusers", "PIL", "pandas", "scipy", "datasets", "cv2")
PROBE = """
import json, sys
from click.testing import CliRunner
from udebench.cli import cli
result = CliRunner().invoke(cli, ["list", "splits"])
print(json.dumps({"exit": result.exit_code, "heavy": [m for m in HEAVY if m in sys.modules]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--goal", type=float, default=0.5)
    args = parser.parse_args()
    exe = shutil.which("udebench")
    command = [exe] if exe else [sys.executable, "-m", "udebench"]
    command += ["list", "splits"]
    subprocess.run(command, check=True, capture_output=True)  # warm the file cache
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    probe = subprocess.run([sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{PROBE}"], check=True, capture_output=True,
                           text=True)
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    median = statistics.median(times)
    print(f"installed udebench plugins: {', '.join(_plugins()) or 'none'}")
    print(f"udebench list splits: median {median:.3f} s, min {min(times):.3f} s over {args.repeats} runs "
          f"(goal ≤ {args.goal} s: {'met' if median <= args.goal else 'NOT met'})")
    print(f"heavy modules imported by listing: {', '.join(found['heavy']) or 'none'}")


def _plugins() -> list[str]:
    from importlib.metadata import entry_points

    return sorted({f"{ep.dist.name}=={ep.dist.version}" if ep.dist else ep.value
                   for ep in entry_points(group="udebench")})


if __name__ == "__main__":
    main()
