"""Wall time of `udebench leaderboard` on the committed synth export (5 models × 5 splits × 300 images), plain and
with --ci / --robustness, next to the plain table as the reference; and which heavy modules each one imported
(goal: no torch, scipy or matplotlib for a table)."""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXPORT = ROOT / "leaderboards" / "synth-results.json.gz"
HEAVY = ("torch", "scipy", "matplotlib", "mmengine")
COMMON = ["--splits", "synth-day,synth-night,synth-rain,synth-fog,synth-snow", "--metrics", "abs_rel,a1"]
VARIANTS = {
    "plain (reference)": [],
    "--ci": ["--ci"],
    "--robustness --reference ude_teacher": ["--robustness", "--reference", "ude_teacher"],
    "--robustness --reference ude_teacher --ci": ["--robustness", "--reference", "ude_teacher", "--ci"],
}


def imported(store: Path, extra: list[str]) -> list[str]:
    """The heavy modules a leaderboard run leaves in sys.modules."""
    probe = ("import sys; from udebench.cli import cli; "
             f"cli.main({['leaderboard', '--results', str(store), *COMMON, *extra]!r}, standalone_mode=False); "
             f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    line = next(line for line in reversed(out.splitlines()) if line.startswith("HEAVY:"))
    return [m for m in line.removeprefix("HEAVY:").split(",") if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    exe = shutil.which("udebench") or str(Path(sys.executable).with_name("udebench"))
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "synth.sqlite"
        subprocess.run([exe, "results", "import", str(EXPORT), "--results", str(store)], check=True,
                       capture_output=True)
        reference = None
        for name, extra in VARIANTS.items():
            command = [exe, "leaderboard", "--results", str(store), *COMMON, *extra]
            subprocess.run(command, check=True, capture_output=True)  # warm the file cache
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True)
                times.append(time.perf_counter() - start)
            median, best = statistics.median(times), min(times)
            reference = reference or best
            heavy = ", ".join(imported(store, extra)) or "none of " + "/".join(HEAVY)
            print(f"udebench leaderboard {name:<42} min {best:.2f} s ({best / reference:.2f}× plain), median "
                  f"{median:.2f} s over {args.repeats} runs; imports {heavy}")


if __name__ == "__main__":
    main()
