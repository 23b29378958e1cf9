"""Wall time of `udebench list splits` (goal ≤ 0.5 s): the CLI must not import torch to list things."""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    exe = shutil.which("udebench") or f"{sys.executable} -m udebench"
    command = [*exe.split(), "list", "splits"]
    subprocess.run(command, check=True, capture_output=True)  # warm the file cache
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    print(f"udebench list splits: median {statistics.median(times):.3f} s, min {min(times):.3f} s "
          f"over {args.repeats} runs (goal ≤ 0.5 s)")


if __name__ == "__main__":
    main()
